// `berth kill`: a signal (default KILL) to the container's main process.
import type { Command } from '../../command.ts';
import { forEachContainer } from './each.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  minArgs: 1,
  flags: [{ name: 'signal', short: 's', type: 'string', value: 'string', help: 'Signal to send to the container' }],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => {
      await engine.containers.kill(ref, (flags.signal as string | undefined) ?? 'KILL');
      return ref;
    });
  },
};
