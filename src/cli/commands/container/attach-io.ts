// Connecting a terminal-less berth process to a container: its output to ours, our stdin to its,
// and signals we receive forwarded to it (docker's --sig-proxy), until its output ends.
import type { Attached, Engine } from '../../../engine/index.ts';

export interface AttachedRun {
  /** The container's streams, wired; resolves when its output has ended. */
  done: Promise<void>;
}

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

/** Feeds our stdin to the container until it ends (then closes the container's stdin). */
export function pipeStdin(session: Attached): void {
  const stdin = process.stdin;
  stdin.on('data', (chunk: Buffer) => {
    stdin.pause();
    session.writeStdin(chunk).then(
      () => stdin.resume(),
      () => stdin.destroy(),
    );
  });
  stdin.on('end', () => void session.endStdin().catch(() => undefined));
  void session.finished.then(() => {
    stdin.destroy();
  });
}

export function outputHandlers(): { stdout(d: Buffer): void; stderr(d: Buffer): void } {
  return {
    stdout: (d) => process.stdout.write(d),
    stderr: (d) => process.stderr.write(d),
  };
}

/**
 * Follows an attached container to its end: stdin in, signals forwarded, output until it ends,
 * then its exit code. Releases the attachment last, so that an --rm container's code is read first.
 */
export async function followAttached(engine: Engine, id: string, session: Attached | undefined, opts: { stdin: boolean; sigProxy: boolean; afterExit?: () => Promise<void> }): Promise<number> {
  const unforward = opts.sigProxy ? forwardSignals(engine, id) : () => undefined;
  try {
    if (session) {
      if (opts.stdin) pipeStdin(session);
      await session.finished;
      await session.close();
    }
    return (await engine.containers.wait(id)).StatusCode;
  } finally {
    unforward();
    await opts.afterExit?.();
    await session?.release();
  }
}
