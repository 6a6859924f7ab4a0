// `berth diff CONTAINER`: the files and directories changed in the container's filesystem.
import type { Command } from '../../command.ts';

const KIND = ['C', 'A', 'D'] as const;

export const command: Command = {
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  minArgs: 1,
  maxArgs: 1,
  flags: [],
  async run(ctx, _flags, args) {
    const changes = await (await ctx.engine()).containers.changes(args[0] as string);
    process.stdout.write(changes.map((c) => `${KIND[c.Kind]} ${c.Path}\n`).join(''));
  },
};
