// `berth image prune [-a]`.
import type { Command } from '../../command.ts';
import { filterFlags } from '../../../engine/index.ts';
import { humanSize } from '../../format/index.ts';
import { confirm } from '../../prompt.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove unused images',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Remove all unused images, not just dangling ones' },
    { name: 'filter', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, flags) {
    const all = flags.all === true;
    if (flags.force !== true) {
      const warning = all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!(await confirm(warning))) return;
    }
    const r = await (await ctx.engine()).images.prune({ all, filters: filterFlags(flags.filter as string[]) });
    if (r.ImagesDeleted.length > 0) {
      ctx.out('Deleted Images:\n');
      ctx.out(r.ImagesDeleted.map((d) => ('Untagged' in d ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`)).join(''));
      ctx.out('\n');
    }
    ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
  },
};
