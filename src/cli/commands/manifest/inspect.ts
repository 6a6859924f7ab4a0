// `berth manifest inspect LIST`: a local list's index, or the manifest a registry has under a name.
import type { Command } from '../../command.ts';
import { jsonIndent } from '../../format/index.ts';
import { accessFlags, accessOf, daemonError } from '../registry/access.ts';

export const command: Command = {
  usage: '[OPTIONS] MANIFEST_LIST',
  summary: 'Display an image manifest, or manifest list',
  minArgs: 1,
  maxArgs: 1,
  flags: accessFlags,
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const doc = await engine.manifests.inspect(args[0] as string, accessOf(flags)).catch((err: unknown) => Promise.reject(daemonError(err)));
    ctx.out(`${jsonIndent(doc)}\n`);
  },
};
