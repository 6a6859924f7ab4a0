// `berth volume prune`: unused anonymous volumes (and named ones with -a), as Docker 23+.
import type { Command } from '../../command.ts';
import { filterFlags } from '../../../engine/index.ts';
import { humanSize } from '../../format/index.ts';
import { confirm } from '../../prompt.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove unused local volumes',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    { name: 'filter', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "label=<label>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, flags) {
    const all = flags.all === true;
    if (flags.force !== true && !(await confirm(all ? 'WARNING! This will remove all local volumes not used by at least one container.' : 'WARNING! This will remove anonymous local volumes not used by at least one container.'))) return;
    const r = await (await ctx.engine()).volumes.prune({ all, filters: filterFlags(flags.filter as string[]) });
    if (r.VolumesDeleted.length > 0) ctx.out(`Deleted Volumes:\n${r.VolumesDeleted.map((v) => `${v}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};
