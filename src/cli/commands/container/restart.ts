// `berth restart`: stop (signal, then SIGKILL after the timeout), then start.
import type { Command } from '../../command.ts';
import { forEachContainer } from './each.ts';
import { STOP_FLAGS } from './stop.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  minArgs: 1,
  flags: STOP_FLAGS,
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => {
      await engine.containers.restart(ref, { timeout: flags.time as number | undefined, signal: flags.signal as string | undefined });
      return ref;
    });
  },
};
