// `berth export [-o FILE] CONTAINER`: the container's whole filesystem as a tar, as the container
// sees it (image and changes merged); a stopped container's is mounted for the time it takes.
import type { Command } from '../../command.ts';
import { tarDirectory } from '../../../layer/index.ts';
import { checkArchiveOutput, writeArchive } from '../../output.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  minArgs: 1,
  maxArgs: 1,
  flags: [{ name: 'output', short: 'o', type: 'string', value: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(ctx, flags, args) {
    const output = flags.output as string | undefined;
    checkArchiveOutput(output);
    const engine = await ctx.engine();
    await engine.containers.withRootfs(args[0] as string, (rootfs) => writeArchive(tarDirectory(rootfs), output));
  },
};
