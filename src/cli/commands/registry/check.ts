// `berth registry check`: verifies every blob of the registry's storage and every link and tag; exits 1 on a problem.
import { join } from 'node:path';
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: "Verify the registry's storage: blob digests, links and tags",
  maxArgs: 0,
  flags: [{ name: 'storage', type: 'string', value: 'dir', help: "The registry's storage (default: ROOT/registry)" }],
  async run(ctx, flags) {
    const { RegistryStorage, checkStorage } = await import('../../../registry/index.ts');
    const problems = await checkStorage(new RegistryStorage((flags.storage as string | undefined) ?? join(ctx.root, 'registry')));
    if (problems.length === 0) {
      ctx.out('No problems found.\n');
      return;
    }
    for (const p of problems) ctx.out(`${p}\n`);
    throw new StatusError(1, `${problems.length} problem${problems.length === 1 ? '' : 's'} found`);
  },
};
