// `berth save [-o FILE] IMAGE...`: docker-archive (as docker save writes it) or oci-archive.
import type { Command } from '../../command.ts';
import { invalidArgument } from '../../../errdefs/index.ts';
import { checkArchiveOutput, writeArchive } from '../../output.ts';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  minArgs: 1,
  flags: [
    { name: 'output', short: 'o', type: 'string', value: 'string', help: 'Write to a file, instead of STDOUT' },
    { name: 'format', type: 'string', value: 'string', default: 'docker-archive', help: 'Archive format: docker-archive or oci-archive' },
  ],
  async run(ctx, flags, args) {
    const format = flags.format as string;
    if (format !== 'docker-archive' && format !== 'oci-archive') throw invalidArgument(`unsupported save format "${format}": use docker-archive or oci-archive`);
    const output = flags.output as string | undefined;
    checkArchiveOutput(output);
    const images = (await ctx.engine()).images;
    if (output === undefined || output === '-') await writeArchive(await images.save(args, { format }), output);
    else await images.saveToFile(args, output, { format });
  },
};
