// `berth start`: starts created or stopped containers; `-a` attaches to the (single) container.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import { followAttached, outputHandlers, rawTerminal, terminalSize } from './attach-io.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  minArgs: 1,
  flags: [
    { name: 'attach', short: 'a', type: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'interactive', short: 'i', type: 'bool', help: "Attach container's STDIN" },
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    if (flags.attach === true || flags.interactive === true) {
      if (args.length > 1) throw new StatusError(1, 'Error: you cannot start and attach multiple containers at once');
      const rec = await engine.containers.get(args[0] as string);
      const stdin = flags.interactive === true && rec.Config.OpenStdin;
      const tty = rec.Config.Tty;
      const detachKeys = parseDetachKeys((flags['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
      const restoreTerminal = rawTerminal(tty, stdin);
      const session = await engine.containers.start(rec.Id, { attach: { ...outputHandlers(), stdin, size: tty ? terminalSize() : undefined } }).catch((err: unknown) => {
        restoreTerminal();
        throw err;
      });
      return followAttached(engine, rec.Id, session, { stdin, tty, detachKeys, restoreTerminal, sigProxy: true });
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
