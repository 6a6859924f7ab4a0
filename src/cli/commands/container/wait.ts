// `berth wait`: blocks until each container stops, prints its exit code.
import type { Command } from '../../command.ts';
import { forEachContainer } from './each.ts';

export const command: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  minArgs: 1,
  flags: [],
  async run(ctx, _flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => String((await engine.containers.wait(ref)).StatusCode));
  },
};
