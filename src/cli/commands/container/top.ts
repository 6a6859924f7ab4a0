// `berth top CONTAINER [ps OPTIONS]`: the container's processes as the host's ps shows them.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import { tabwrite } from '../../format/index.ts';

export const command: Command = {
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  minArgs: 1,
  // Everything after the container is ps's, flags included (`top web -o pid,comm`).
  stopAtFirstArg: true,
  flags: [],
  async run(ctx, _flags, args) {
    const engine = await ctx.engine();
    let result;
    try {
      result = await engine.containers.top(args[0] as string, args.slice(1).join(' ') || undefined);
    } catch (err) {
      if (err instanceof BerthError) throw new StatusError(1, `Error response from daemon: ${err.message}`);
      throw err;
    }
    // docker/cli's tabwriter for top: minimum width 20, padding 3.
    ctx.out(tabwrite([result.Titles.join('\t'), ...result.Processes.map((p) => p.join('\t'))], 20, 3));
  },
};
