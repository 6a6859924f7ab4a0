// `berth network disconnect NETWORK CONTAINER`.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';

export const command: Command = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Force the container to disconnect from a network' }],
  async run(ctx, _flags, args) {
    await (await ctx.engine()).networks.disconnect(args[0] as string, args[1] as string).catch((err: unknown) => {
      throw err instanceof BerthError ? new StatusError(1, `Error response from daemon: ${err.message}`) : err;
    });
  },
};
