// `berth exec`: a new process in a running container, connected to our stdio (a terminal with -t:
// ours goes raw and its size follows ours).
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import type { ExecSession } from '../../../engine/index.ts';
import { outputHandlers, pipeStdin, rawTerminal, terminalSize } from './attach-io.ts';
import { expandEnv, parseEnvFile } from './create-flags.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  minArgs: 2,
  stopAtFirstArg: true,
  flags: [
    { name: 'detach', short: 'd', type: 'bool', help: 'Detached mode: run command in the background' },
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'env', short: 'e', type: 'list', value: 'list', help: 'Set environment variables' },
    { name: 'env-file', type: 'list', value: 'list', help: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open even if not attached' },
    { name: 'privileged', type: 'bool', help: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', type: 'bool', help: 'Allocate a pseudo-TTY' },
    { name: 'user', short: 'u', type: 'string', value: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', type: 'string', value: 'string', help: 'Working directory inside the container' },
  ],
  async run(ctx, flags, args) {
    const tty = flags.tty === true;
    const interactive = flags.interactive === true;
    const detach = flags.detach === true;
    if (tty && interactive && !detach && !process.stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY');
    const list = (k: string): string[] => (flags[k] as string[] | undefined) ?? [];
    // As Docker's CLI: typed into a terminal, the keys leave the process running and us gone.
    const detachKeys = tty ? parseDetachKeys((flags['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS) : undefined;
    const engine = await ctx.engine();
    // Raw before the process starts, so that its first output already finds our terminal raw.
    const restore = detach ? () => undefined : rawTerminal(tty, interactive);
    let session: ExecSession;
    try {
      session = await engine.containers.exec(args[0] as string, {
        cmd: args.slice(1),
        env: [...list('env-file').flatMap(parseEnvFile), ...list('env').map(expandEnv)],
        user: flags.user as string | undefined,
        workdir: flags.workdir as string | undefined,
        tty,
        size: tty ? terminalSize() : undefined,
        interactive,
        privileged: flags.privileged === true,
        detach,
      }, detach ? undefined : outputHandlers());
    } catch (err) {
      restore();
      // The process could not be started: Docker prints the runtime's reason and exits 126 or 127.
      if (err instanceof BerthError && err.exitStatus) throw new StatusError(err.exitStatus, err.message);
      if (err instanceof BerthError) throw new StatusError(1, `Error response from daemon: ${err.message}`);
      throw err;
    }
    if (detach) return 0;
    const onResize = (): void => {
      const size = terminalSize();
      if (size) void session.resize(size).catch(() => undefined);
    };
    if (tty) process.on('SIGWINCH', onResize);
    try {
      const detached = new Promise<'detached'>((resolve) => {
        if (interactive) pipeStdin(session, detachKeys, () => resolve('detached'));
      });
      const code = await Promise.race([session.exitCode, detached]);
      await session.close(); // after a detach: our stdin goes with it (pipeStdin)
      // Docker's CLI ends an exec's detach so (unlike run's and attach's, which exit 0).
      if (code === 'detached') throw new StatusError(1, 'read escape sequence');
      return code;
    } finally {
      process.off('SIGWINCH', onResize);
      restore();
    }
  },
};
