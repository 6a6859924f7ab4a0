// `berth registry gc`: removes blobs no manifest needs (after a grace period) and abandoned uploads.
import { join } from 'node:path';
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { humanSize } from '../../format/index.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: "Remove blobs that no manifest of the registry's storage needs",
  maxArgs: 0,
  flags: [
    { name: 'storage', type: 'string', value: 'dir', help: "The registry's storage (default: ROOT/registry)" },
    { name: 'dry-run', type: 'bool', help: 'Say what would be removed, remove nothing' },
    { name: 'grace', type: 'string', value: 'duration', help: 'Keep unreferenced blobs younger than this (a push in progress)', default: '1h' },
  ],
  async run(ctx, flags) {
    const { RegistryStorage, collectGarbage } = await import('../../../registry/index.ts');
    const grace = /^(\d+)(ms|s|m|h)$/.exec(flags.grace as string);
    if (!grace) throw new StatusError(125, `invalid --grace "${String(flags.grace)}": use a number with ms, s, m or h`);
    const graceMs = Number(grace[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[grace[2] as 'ms' | 's' | 'm' | 'h'];
    const storage = new RegistryStorage((flags.storage as string | undefined) ?? join(ctx.root, 'registry'));
    const dryRun = flags['dry-run'] === true;
    const r = await collectGarbage(storage, { dryRun, graceMs });
    const verb = dryRun ? 'would remove' : 'removed';
    for (const b of r.blobs) ctx.out(`${verb} blob ${b.digest} (${humanSize(b.size)})\n`);
    for (const u of r.uploads) ctx.out(`${verb} abandoned upload ${u}\n`);
    ctx.out(`${verb} ${r.blobs.length} blobs (${humanSize(r.blobs.reduce((n, b) => n + b.size, 0))}) and ${r.uploads.length} uploads\n`);
  },
};
