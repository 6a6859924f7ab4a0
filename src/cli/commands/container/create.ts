// `berth create` / `berth container create`: a container from an image, not started.
import type { Command } from '../../command.ts';
import { CREATE_FLAGS, asRunError, createOptions } from './create-flags.ts';
import { createPulling, pullPolicy } from './create-pulling.ts';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  minArgs: 1,
  stopAtFirstArg: true,
  flags: CREATE_FLAGS,
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const opts = createOptions(flags, args[0] as string, args.slice(1));
    const { Id } = await createPulling(ctx, engine, opts, pullPolicy(flags.pull), flags.quiet === true).catch((err: unknown) => Promise.reject(asRunError(err)));
    ctx.out(`${Id}\n`);
  },
};
