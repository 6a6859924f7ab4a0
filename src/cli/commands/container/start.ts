// `berth start`: starts created or stopped containers; `-a` attaches to the (single) container.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import { followAttached, outputHandlers } from './attach-io.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  minArgs: 1,
  flags: [
    { name: 'attach', short: 'a', type: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'interactive', short: 'i', type: 'bool', help: "Attach container's STDIN" },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    if (flags.attach === true || flags.interactive === true) {
      if (args.length > 1) throw new StatusError(1, 'Error: you cannot start and attach multiple containers at once');
      const id = await engine.containers.resolve(args[0] as string);
      const stdin = flags.interactive === true;
      const session = await engine.containers.start(id, { attach: { ...outputHandlers(), stdin } });
      return followAttached(engine, id, session, { stdin, sigProxy: true });
    }
    const errors: string[] = [];
    for (const ref of args) {
      try {
        await engine.containers.start(ref);
        ctx.out(`${ref}\n`);
      } catch (err) {
        if (!(err instanceof BerthError)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\nError: failed to start containers: ${args.join(', ')}`);
  },
};
