// `berth volume rm`: each volume removed is printed; the first failure sets the exit status.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';

export const command: Command = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  minArgs: 1,
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Force the removal of one or more volumes' }],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const errors: string[] = [];
    for (const name of args) {
      try {
        await engine.volumes.remove(name, { force: flags.force === true });
        ctx.out(`${name}\n`);
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        // Docker: -f ignores a volume that is not there.
        if (flags.force === true && err.kind === 'NotFound') continue;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
  },
};
