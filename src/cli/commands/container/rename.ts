// `berth rename CONTAINER NEW_NAME`.
import type { Command } from '../../command.ts';
import { forEachContainer } from './each.ts';

export const command: Command = {
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, _flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, [args[0] as string], async (ref) => {
      await engine.containers.rename(ref, args[1] as string);
      return undefined;
    });
  },
};
