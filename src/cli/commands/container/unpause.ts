// `berth unpause`: thaws paused containers.
import type { Command } from '../../command.ts';
import { forEachContainer } from './each.ts';

export const command: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Unpause all processes within one or more containers',
  minArgs: 1,
  flags: [],
  async run(ctx, _flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => {
      await engine.containers.unpause(ref);
      return ref;
    });
  },
};
