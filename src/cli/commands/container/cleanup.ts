// `berth container cleanup ID`: what conmon runs when a container exits (records the exit code,
// unmounts, applies --rm and --restart). Not for users, so hidden from help.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../../command.ts';

export const command: Command = {
  usage: 'CONTAINER',
  summary: 'Release what an exited container holds (run by conmon)',
  minArgs: 1,
  maxArgs: 1,
  localOnly: true,
  flags: [],
  async run(ctx, _flags, args) {
    // conmon runs this after `rm -f` too, maybe once the root itself is gone: a container without
    // a directory has nothing left to release, and opening the store would recreate the root.
    if (!existsSync(join(ctx.root, 'containers', args[0] as string))) return;
    await (await ctx.engine()).containers.cleanup(args[0] as string);
  },
};
