// `berth rmi` / `berth image rm`: untags, and deletes when the last name goes (Docker's rules).
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  minArgs: 1,
  flags: [
    { name: 'force', short: 'f', type: 'bool', help: 'Force removal of the image' },
    { name: 'no-prune', type: 'bool', help: 'Do not delete untagged parents' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const errors: string[] = [];
    for (const ref of args) {
      try {
        const report = await engine.images.remove(ref, { force: flags.force === true });
        ctx.out(report.map((r) => ('Untagged' in r ? `Untagged: ${r.Untagged}\n` : `Deleted: ${r.Deleted}\n`)).join(''));
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        errors.push(`Error: ${err.message}`);
      }
    }
    if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
  },
};
