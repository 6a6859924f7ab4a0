// `berth system check [--repair]`: exits 1 when it finds problems it did not repair.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Verify every blob, layer and reference in the store',
  maxArgs: 0,
  flags: [{ name: 'repair', type: 'bool', help: 'Remove what is corrupt or unreferenced, and say what was removed' }],
  async run(ctx, flags) {
    const repair = flags.repair === true;
    const findings = await (await ctx.engine()).system.check({ repair });
    if (findings.length === 0) {
      ctx.out('No problems found.\n');
      return;
    }
    for (const f of findings) ctx.out(f.repaired ? `${f.problem}: ${f.repaired}\n` : `${f.problem}\n`);
    if (!repair) throw new StatusError(1, `${findings.length} problem${findings.length === 1 ? '' : 's'} found; run 'berth system check --repair' to fix`);
    ctx.out(`Repaired ${findings.length} problem${findings.length === 1 ? '' : 's'}.\n`);
  },
};
