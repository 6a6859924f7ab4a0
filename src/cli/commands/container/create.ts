// `berth create` / `berth container create`: a container from an image, not started.
import type { Command } from '../../command.ts';
import { CREATE_FLAGS, asRunError, createOptions } from './create-flags.ts';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  minArgs: 1,
  stopAtFirstArg: true,
  flags: CREATE_FLAGS,
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const { Id } = await engine.containers.create(createOptions(flags, args[0] as string, args.slice(1))).catch((err: unknown) => Promise.reject(asRunError(err)));
    ctx.out(`${Id}\n`);
  },
};
