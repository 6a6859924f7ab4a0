// Connecting this berth process to a container: its output to ours, our stdin to its (in raw mode
// when it has a terminal, watching for the detach keys), our terminal's size to its, and signals
// we receive forwarded to it (docker's --sig-proxy), until its output ends or we detach.
import type { Attached, Engine, TerminalSize } from '../../../engine/index.ts';
import { makeRawTerminal } from '../../../sys/index.ts';
import { DetachScanner } from './detach-keys.ts';

export function forwardSignals(engine: Engine, id: string): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    void engine.containers.kill(id, sig).catch(() => undefined);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/** Our terminal's size (from stdout), when we have one. */
export function terminalSize(): TerminalSize | undefined {
  const out = process.stdout;
  return out.isTTY && out.rows > 0 ? { height: out.rows, width: out.columns } : undefined;
}

/**
 * Feeds our stdin to the container until it ends (then closes the container's stdin), or until
 * the detach keys are typed: then `onDetach` runs and the container's stdin stays open.
 */
export function pipeStdin(session: Pick<Attached, 'writeStdin' | 'endStdin' | 'finished'>, detachKeys: number[] | undefined, onDetach: () => void): void {
  const stdin = process.stdin;
  const scanner = detachKeys && detachKeys.length > 0 ? new DetachScanner(detachKeys) : undefined;
  stdin.on('data', (chunk: Buffer) => {
    const { pass, detach } = scanner ? scanner.feed(chunk) : { pass: chunk, detach: false };
    stdin.pause();
    session.writeStdin(pass).then(
      () => (detach ? onDetach() : stdin.resume()),
      () => stdin.destroy(),
    );
  });
  stdin.on('end', () => void session.endStdin().catch(() => undefined));
  void session.finished.then(() => stdin.destroy());
}

export function outputHandlers(): { stdout(d: Buffer): void; stderr(d: Buffer): void } {
  return {
    stdout: (d) => process.stdout.write(d),
    stderr: (d) => process.stderr.write(d),
  };
}

/**
 * Our terminal in raw mode while attached to a container's terminal with our stdin; set before
 * the container starts, so that its first output already finds it raw. Returns the undo.
 */
export function rawTerminal(tty: boolean, stdin: boolean): () => void {
  if (!tty || !stdin || !process.stdin.isTTY) return () => undefined;
  return makeRawTerminal(0);
}

export interface FollowOptions {
  stdin: boolean;
  /** The container has a terminal: ours goes raw and its size follows ours. */
  tty?: boolean;
  sigProxy: boolean;
  detachKeys?: number[];
  /** Undoes `rawTerminal` at the end. */
  restoreTerminal?: () => void;
  /** After the container's exit code is read (not after a detach): --rm's removal. */
  afterExit?: () => Promise<void>;
}

/**
 * Follows an attached container to its end: stdin in, signals forwarded, output until it ends,
 * then its exit code. Releases the attachment last, so that an --rm container's code is read first.
 * A detach (the detach keys) leaves the container running and returns 0.
 */
export async function followAttached(engine: Engine, id: string, session: Attached | undefined, opts: FollowOptions): Promise<number> {
  const unforward = opts.sigProxy && !opts.tty ? forwardSignals(engine, id) : () => undefined;
  const onResize = (): void => {
    const size = terminalSize();
    if (size) void engine.containers.resize(id, size).catch(() => undefined);
  };
  if (opts.tty) process.on('SIGWINCH', onResize);
  let detached = false;
  try {
    if (session) {
      const detach = new Promise<void>((resolve) => {
        if (opts.stdin) {
          pipeStdin(session, opts.detachKeys, () => {
            detached = true;
            resolve();
          });
        }
      });
      await Promise.race([session.finished, detach]);
      await session.close();
      if (detached) {
        process.stdin.destroy();
        return 0;
      }
    }
    return (await engine.containers.wait(id)).StatusCode;
  } finally {
    opts.restoreTerminal?.();
    process.off('SIGWINCH', onResize);
    unforward();
    if (!detached) await opts.afterExit?.();
    await session?.release();
  }
}
