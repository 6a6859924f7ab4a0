// `berth image tags REPOSITORY`: a registry repository's tags as JSON (skopeo list-tags' shape).
import type { Command } from '../../command.ts';
import { jsonIndent } from '../../format/index.ts';
import { accessFlags, accessOf, daemonError } from '../registry/access.ts';

export const command: Command = {
  usage: '[OPTIONS] [docker://]REPOSITORY',
  summary: "List a registry repository's tags",
  minArgs: 1,
  maxArgs: 1,
  flags: accessFlags,
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    try {
      ctx.out(`${jsonIndent(await engine.images.remoteTags(args[0] as string, accessOf(flags)))}\n`);
    } catch (err) {
      throw daemonError(err);
    }
  },
};
