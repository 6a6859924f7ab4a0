// `berth manifest add LIST IMAGE`: one more image (or every manifest of a docker:// index), with
// its platform fields optionally set as `annotate` does.
import type { Command } from '../../command.ts';
import { accessFlags, accessOf } from '../registry/access.ts';
import { annotateFlags, annotateOptions } from './annotate.ts';

export const command: Command = {
  usage: '[OPTIONS] MANIFEST_LIST IMAGE',
  summary: 'Add an image to a manifest list',
  minArgs: 2,
  maxArgs: 2,
  flags: [...annotateFlags, ...accessFlags],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const [list, image] = args as [string, string];
    await engine.manifests.add(list, image, accessOf(flags));
    const opts = annotateOptions(flags);
    if (Object.values(opts).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0))) await engine.manifests.annotate(list, image, opts);
  },
};
