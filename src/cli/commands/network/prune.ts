// `berth network prune`: user-defined networks no container is configured for.
import type { Command } from '../../command.ts';
import { confirm } from '../../prompt.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  maxArgs: 0,
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' }],
  async run(ctx, flags) {
    if (flags.force !== true && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.'))) return;
    const r = await (await ctx.engine()).networks.prune();
    if (r.NetworksDeleted.length > 0) ctx.out(`Deleted Networks:\n${r.NetworksDeleted.map((n) => `${n}\n`).join('')}\n`);
  },
};
