// `berth commit`: a container's changes and configuration become a new image; prints its ID.
import type { Command } from '../../command.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { name: 'author', short: 'a', type: 'string', value: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', type: 'list', value: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', value: 'string', help: 'Commit message' },
    { name: 'pause', short: 'p', type: 'bool', default: true, help: 'Pause container during commit' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const id = await engine.containers.commit(args[0] as string, {
      reference: args[1],
      changes: (flags.change as string[] | undefined) ?? [],
      message: flags.message as string | undefined,
      author: flags.author as string | undefined,
      pause: flags.pause !== false,
    });
    ctx.out(`${id}\n`);
  },
};
