// `berth stop`: the stop signal, then SIGKILL after the timeout.
import type { Command } from '../../command.ts';
import type { FlagSpec } from '../../args.ts';
import { forEachContainer } from './each.ts';

/** `stop` and `restart` take the same: how long to wait, and which signal first. */
export const STOP_FLAGS: FlagSpec[] = [
  { name: 'time', short: 't', type: 'int', value: 'int', help: 'Seconds to wait before killing the container' },
  { name: 'signal', short: 's', type: 'string', value: 'string', help: 'Signal to send to the container' },
];

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  minArgs: 1,
  flags: STOP_FLAGS,
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => {
      await engine.containers.stop(ref, { timeout: flags.time as number | undefined, signal: flags.signal as string | undefined });
      return ref;
    });
  },
};
