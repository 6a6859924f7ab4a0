// `berth container prune`: removes all stopped containers.
import type { Command } from '../../command.ts';
import { filterFlags } from '../../../engine/index.ts';
import { humanSize } from '../../format/index.ts';
import { confirm } from '../../prompt.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  maxArgs: 0,
  flags: [
    { name: 'filter', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, flags) {
    if (flags.force !== true && !(await confirm('WARNING! This will remove all stopped containers.'))) return;
    const r = await (await ctx.engine()).containers.prune(filterFlags(flags.filter as string[]));
    if (r.ContainersDeleted.length > 0) ctx.out(`Deleted Containers:\n${r.ContainersDeleted.map((id) => `${id}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};
