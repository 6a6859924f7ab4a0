// `berth manifest create LIST IMAGE...`: a manifest list of store images or docker:// manifests.
import type { Command } from '../../command.ts';
import { accessFlags, accessOf } from '../registry/access.ts';

export const command: Command = {
  usage: '[OPTIONS] MANIFEST_LIST [IMAGE...]',
  summary: 'Create a local manifest list for annotating and pushing to a registry',
  minArgs: 1,
  flags: [{ name: 'amend', short: 'a', type: 'bool', help: 'Amend an existing manifest list' }, ...accessFlags],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const name = await engine.manifests.create(args[0] as string, args.slice(1), { ...accessOf(flags), amend: flags.amend === true });
    ctx.out(`Created manifest list ${name}\n`);
  },
};
