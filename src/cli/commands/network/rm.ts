// `berth network rm`.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';

export const command: Command = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  minArgs: 1,
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not error if the network does not exist' }],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const errors: string[] = [];
    for (const ref of args) {
      try {
        await engine.networks.remove(ref);
        ctx.out(`${ref}\n`);
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        if (flags.force === true && err.kind === 'NotFound') continue;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
  },
};
