// `berth network create NAME`: a bridge network; prints its ID.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import { keyValueList } from '../../args.ts';

export const command: Command = {
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a network',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'driver', short: 'd', type: 'string', value: 'string', default: 'bridge', help: 'Driver to manage the Network' },
    { name: 'gateway', type: 'string', value: 'strings', help: 'IPv4 Gateway for the master subnet' },
    { name: 'internal', type: 'bool', help: 'Restrict external access to the network' },
    { name: 'ip-range', type: 'string', value: 'strings', help: 'Allocate container ip from a sub-range' },
    { name: 'label', type: 'list', value: 'list', help: 'Set metadata on a network' },
    { name: 'opt', short: 'o', type: 'list', value: 'map', help: 'Set driver specific options' },
    { name: 'subnet', type: 'string', value: 'strings', help: 'Subnet in CIDR format that represents a network segment' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const { Id } = await engine.networks.create({
      name: args[0] as string,
      driver: flags.driver as string,
      subnet: flags.subnet as string | undefined,
      gateway: flags.gateway as string | undefined,
      ipRange: flags['ip-range'] as string | undefined,
      internal: flags.internal === true,
      labels: keyValueList(flags.label as string[], 'label'),
      options: keyValueList(flags.opt as string[], 'opt'),
    }).catch((err: unknown) => {
      // Docker's wording for what the daemon refused.
      throw err instanceof BerthError ? new StatusError(1, `Error response from daemon: ${err.message}`) : err;
    });
    ctx.out(`${Id}\n`);
  },
};
