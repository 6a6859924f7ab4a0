// `berth volume inspect`.
import type { Command } from '../../command.ts';
import { printInspected } from '../../inspect-output.ts';

export const command: Command = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  minArgs: 1,
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" }],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    await printInspected(ctx, args, flags.format as string | undefined, (ref) => engine.volumes.inspect(ref));
  },
};
