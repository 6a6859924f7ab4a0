// `berth tag SOURCE TARGET`.
import type { Command } from '../../command.ts';

export const command: Command = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, _flags, args) {
    await (await ctx.engine()).images.tag(args[0] as string, args[1] as string);
  },
};
