// `berth builder prune`: forgets the build cache and removes the step images only it kept.
import type { Command } from '../../command.ts';
import { confirm } from '../../prompt.ts';
import { humanSize } from '../../format/index.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove build cache',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused build cache, not just the entries the cache index holds' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, flags) {
    if (flags.force !== true && !(await confirm('WARNING! This will remove all dangling build cache.'))) return;
    const engine = await ctx.engine();
    const r = await engine.builder.prune({ all: flags.all === true });
    if (r.CachesDeleted.length > 0) ctx.out(`Deleted build cache objects:\n${r.CachesDeleted.map((d) => `${d}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};
