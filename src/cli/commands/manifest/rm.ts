// `berth manifest rm LIST...`: deletes local manifest lists (the images stay).
import type { Command } from '../../command.ts';

export const command: Command = {
  usage: 'MANIFEST_LIST [MANIFEST_LIST...]',
  summary: 'Delete one or more manifest lists from local storage',
  minArgs: 1,
  flags: [],
  async run(ctx, _flags, args) {
    const engine = await ctx.engine();
    for (const list of args) await engine.manifests.remove(list);
  },
};
