// `berth pull NAME[:TAG|@DIGEST]`: an image (or every tag, -a) from a registry into the store.
import type { Command } from '../../command.ts';
import { accessOf, daemonError, startTransfer, transferFlags } from './access.ts';

export const command: Command = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', help: 'Download all tagged images in the repository' },
    { name: 'platform', type: 'string', value: 'string', help: 'Set platform if server is multi-platform capable' },
    ...transferFlags,
  ],
  async run(ctx, flags, args) {
    const name = args[0] as string;
    const { json, render } = startTransfer(ctx, flags, name);
    const engine = await ctx.engine();
    try {
      const reports = await engine.images.pull(name, { ...accessOf(flags), platform: flags.platform as string | undefined, allTags: flags['all-tags'] === true, onProgress: render });
      if (!json) for (const r of reports) ctx.out(`${r.name}\n`);
    } catch (err) {
      throw daemonError(err);
    }
  },
};
