// `berth manifest push LIST [DESTINATION]`: every image of the list, then the index; prints its digest.
import type { Command } from '../../command.ts';
import { accessFlags, accessOf, daemonError } from '../registry/access.ts';

export const command: Command = {
  usage: '[OPTIONS] MANIFEST_LIST [DESTINATION]',
  summary: 'Push a manifest list to a repository',
  minArgs: 1,
  maxArgs: 2,
  flags: [{ name: 'purge', short: 'p', type: 'bool', help: 'Remove the local manifest list after push' }, ...accessFlags],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    try {
      const digest = await engine.manifests.push(args[0] as string, args[1], accessOf(flags));
      if (flags.purge === true) await engine.manifests.remove(args[0] as string);
      ctx.out(`${digest}\n`);
    } catch (err) {
      throw daemonError(err);
    }
  },
};
