// `berth container cleanup ID`: what conmon runs when a container exits (records the exit code,
// unmounts, applies --rm and --restart). Not for users, so hidden from help.
import type { Command } from '../../command.ts';

export const command: Command = {
  usage: 'CONTAINER',
  summary: 'Release what an exited container holds (run by conmon)',
  minArgs: 1,
  maxArgs: 1,
  flags: [],
  async run(ctx, _flags, args) {
    await (await ctx.engine()).containers.cleanup(args[0] as string);
  },
};
