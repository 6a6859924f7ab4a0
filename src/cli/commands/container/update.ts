// `berth update`: new cgroup limits or restart policy for containers, applied at once to running ones.
import type { Command } from '../../command.ts';
import { UsageError } from '../../args.ts';
import { RESOURCE_FLAGS, resourceOptions } from './create-flags.ts';
import { forEachContainer } from './each.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  minArgs: 1,
  flags: [...RESOURCE_FLAGS, { name: 'restart', type: 'string', value: 'string', help: 'Restart policy to apply when a container exits' }],
  async run(ctx, flags, args) {
    const opts = { ...resourceOptions(flags), restart: flags.restart as string | undefined };
    if (Object.values(opts).every((v) => v === undefined)) throw new UsageError('you must provide one or more flags when using this command');
    const engine = await ctx.engine();
    await forEachContainer(ctx, args, async (ref) => {
      await engine.containers.update(ref, opts);
      return ref;
    });
  },
};
