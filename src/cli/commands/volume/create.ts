// `berth volume create [NAME]`.
import type { Command } from '../../command.ts';
import { keyValueList, UsageError } from '../../args.ts';

export const command: Command = {
  usage: '[OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  maxArgs: 1,
  flags: [
    { name: 'driver', short: 'd', type: 'string', value: 'string', default: 'local', help: 'Specify volume driver name' },
    { name: 'label', type: 'list', value: 'list', help: 'Set metadata for a volume' },
    { name: 'name', type: 'string', value: 'string', help: 'Specify volume name', hidden: true },
    { name: 'opt', short: 'o', type: 'list', value: 'map', help: 'Set driver specific options (type, device, o)' },
  ],
  async run(ctx, flags, args) {
    const name = args[0] ?? (flags.name as string | undefined);
    if (args[0] !== undefined && flags.name !== undefined && flags.name !== args[0]) throw new UsageError(`conflicting options: either specify --name or provide positional arg, not both`);
    const v = await (await ctx.engine()).volumes.create({
      name,
      driver: flags.driver as string,
      labels: keyValueList(flags.label as string[], 'label'),
      options: keyValueList(flags.opt as string[], 'opt'),
    });
    ctx.out(`${v.Name}\n`);
  },
};
