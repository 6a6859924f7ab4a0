// `berth attach`: our stdio to a running container's (its terminal, when it has one), until it
// exits (its exit code is ours) or the detach keys are typed.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import { followAttached, outputHandlers, rawTerminal, terminalSize } from './attach-io.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Attach local standard input, output, and error streams to a running container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'detach-keys', type: 'string', value: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'no-stdin', type: 'bool', help: 'Do not attach STDIN' },
    { name: 'sig-proxy', type: 'bool', default: true, help: 'Proxy all received signals to the process' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const detachKeys = parseDetachKeys((flags['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
    try {
      const rec = await engine.containers.get(args[0] as string);
      const stdin = flags['no-stdin'] !== true && rec.Config.OpenStdin;
      const tty = rec.Config.Tty;
      if (tty && stdin && !process.stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY');
      const session = await engine.containers.attach(rec.Id, { ...outputHandlers(), stdin, size: tty ? terminalSize() : undefined });
      const restoreTerminal = rawTerminal(tty, stdin);
      return await followAttached(engine, rec.Id, session, { stdin, tty, detachKeys, restoreTerminal, sigProxy: flags['sig-proxy'] !== false });
    } catch (err) {
      if (err instanceof BerthError) throw new StatusError(1, `Error response from daemon: ${err.message}`);
      throw err;
    }
  },
};
