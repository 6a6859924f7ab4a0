// `berth stop`: the stop signal, then SIGKILL after the timeout.
import type { Command } from '../../command.ts';
import { forEachContainer } from './each.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  minArgs: 1,
  flags: [
    { name: 'time', short: 't', type: 'int', value: 'int', help: 'Seconds to wait before killing the container' },
    { name: 'signal', short: 's', type: 'string', value: 'string', help: 'Signal to send to the container' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => {
      await engine.containers.stop(ref, { timeout: flags.time as number | undefined, signal: flags.signal as string | undefined });
      return ref;
    });
  },
};
