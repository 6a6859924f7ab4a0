// `berth network inspect`.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { isKind } from '../../../errdefs/index.ts';
import { compileTemplate, jsonIndent } from '../../format/index.ts';

export const command: Command = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  minArgs: 1,
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" }],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const ref of args) {
      try {
        found.push(await engine.networks.inspect(ref));
      } catch (err) {
        if (!isKind(err, 'NotFound')) throw err;
        errors.push(`Error response from daemon: ${(err as Error).message}`);
      }
    }
    const format = flags.format as string | undefined;
    if (format && format !== 'json') {
      const t = compileTemplate(format);
      ctx.out(found.map((n) => `${t.execute(n)}\n`).join(''));
    } else if (found.length > 0 || errors.length === 0) {
      ctx.out(`${jsonIndent(found)}\n`);
    }
    if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
  },
};
