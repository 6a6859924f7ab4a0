// `berth network connect NETWORK CONTAINER`.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';

export const command: Command = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { name: 'alias', type: 'list', value: 'strings', help: 'Add network-scoped alias for the container' },
    { name: 'ip', type: 'string', value: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
  ],
  async run(ctx, flags, args) {
    await (await ctx.engine()).networks.connect(args[0] as string, args[1] as string, { aliases: flags.alias as string[], ip: flags.ip as string | undefined }).catch((err: unknown) => {
      throw err instanceof BerthError ? new StatusError(1, `Error response from daemon: ${err.message}`) : err;
    });
  },
};
