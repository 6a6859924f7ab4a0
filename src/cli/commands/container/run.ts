// `berth run`: create, attach, start, wait, and with --rm remove. Detached (-d) prints the ID.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { CREATE_FLAGS, asRunError, createOptions } from './create-flags.ts';
import { createPulling, pullPolicy } from './create-pulling.ts';
import { followAttached, outputHandlers, rawTerminal, terminalSize } from './attach-io.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  minArgs: 1,
  stopAtFirstArg: true,
  flags: [
    ...CREATE_FLAGS,
    { name: 'detach', short: 'd', type: 'bool', help: 'Run container in background and print container ID' },
    { name: 'sig-proxy', type: 'bool', default: true, help: 'Proxy received signals to the process' },
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const opts = createOptions(flags, args[0] as string, args.slice(1));
    const detach = flags.detach === true;
    if (detach && opts.autoRemove !== true && opts.attach) throw new StatusError(125, 'berth: Conflicting options: -a and -d');
    if (opts.tty && !detach && !process.stdin.isTTY && flags.interactive === true) {
      throw new StatusError(1, 'the input device is not a TTY');
    }
    const policy = pullPolicy(flags.pull);
    const attach = opts.attach ?? { stdin: (opts.openStdin ?? false) && !detach, stdout: !detach, stderr: !detach };
    const { Id } = await createPulling(ctx, engine, { ...opts, attach }, policy, flags.quiet === true).catch((err: unknown) => Promise.reject(asRunError(err)));
    if (detach) {
      try {
        await engine.containers.start(Id);
      } catch (err) {
        if (opts.autoRemove) await engine.containers.remove(Id, { force: true }).catch(() => undefined);
        throw asRunError(err);
      }
      ctx.out(`${Id}\n`);
      return 0;
    }
    const stdin = opts.openStdin === true;
    const detachKeys = parseDetachKeys((flags['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
    let session;
    const restoreTerminal = rawTerminal(opts.tty === true, stdin);
    try {
      session = await engine.containers.start(Id, { attach: { ...outputHandlers(), stdin, size: opts.tty ? terminalSize() : undefined } });
    } catch (err) {
      restoreTerminal();
      if (opts.autoRemove) await engine.containers.remove(Id, { force: true }).catch(() => undefined);
      throw asRunError(err);
    }
    return followAttached(engine, Id, session, {
      stdin,
      tty: opts.tty,
      detachKeys,
      restoreTerminal,
      sigProxy: flags['sig-proxy'] !== false,
      afterExit: opts.autoRemove ? () => engine.containers.remove(Id, { force: true }).catch(() => undefined) : undefined,
    });
  },
};
