// `berth pause`: freezes every process of the containers (the cgroup freezer, through the runtime).
import type { Command } from '../../command.ts';
import { forEachContainer } from './each.ts';

export const command: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Pause all processes within one or more containers',
  minArgs: 1,
  flags: [],
  async run(ctx, _flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => {
      await engine.containers.pause(ref);
      return ref;
    });
  },
};
