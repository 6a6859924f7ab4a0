// An exec'd process on a hijacked connection, as dockerd streams it: output in stdcopy frames, or
// raw when the client asked for a terminal; the client's bytes to the process's stdin (with a
// terminal, watching for the detach keys); the connection ends after the exit code is recorded,
// so that the client's inspect right after sees it.
import { DetachScanner, type ExecSession } from '../../engine/index.ts';
import type { Hijacked } from './reply.ts';
import { frame, STDERR, STDOUT } from '../stdcopy.ts';

/** ctrl-p, ctrl-q: dockerd's sequence when the exec names none. */
const DEFAULT_KEYS = [0x10, 0x11];

/** Writes a stream's bytes to the connection (nothing once the client is gone). */
export function connectionWriter(conn: Hijacked, raw: boolean): (stream: typeof STDOUT | typeof STDERR, data: Buffer) => void {
  return (stream, data) => {
    if (conn.output.destroyed || conn.output.writableEnded || data.length === 0) return;
    conn.output.write(raw ? data : frame(stream, data));
  };
}

export interface FollowOptions {
  stdin: boolean;
  /** A terminal: the detach keys are scanned for. */
  tty: boolean;
  detachKeys: number[];
  /** Records the exit code; runs before the connection ends. */
  onExit: (code: number) => void;
}

/**
 * Follows the process until it ends, the detach keys are typed, or the client goes away; then
 * ends the connection. The exit code is recorded whenever it comes, even after a detach.
 */
export async function followOnConnection(session: ExecSession, conn: Hijacked, o: FollowOptions): Promise<void> {
  const exit = session.exitCode.then(o.onExit);
  let stopped = (): void => undefined;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const input = conn.input;
  const scanner = o.tty ? new DetachScanner(o.detachKeys.length > 0 ? o.detachKeys : DEFAULT_KEYS) : undefined;
  input.on('data', (chunk: Buffer) => {
    if (!o.stdin) return;
    const { pass, detach } = scanner ? scanner.feed(chunk) : { pass: chunk, detach: false };
    input.pause();
    session.writeStdin(pass).then(
      () => (detach ? stopped() : input.resume()),
      () => stopped(),
    );
  });
  input.on('end', () => {
    if (!o.stdin) return; // clients half-close at once when they send nothing (the docker CLI does)
    // As dockerd: the end of a terminal's input is the client leaving (the process runs on); the
    // end of a pipe's is the end of the process's stdin, whose output still comes.
    if (o.tty) stopped();
    else void session.endStdin().catch(() => undefined);
  });
  // The client hung up: stop following (the process runs on, as with dockerd).
  conn.output.on('close', () => stopped());
  input.on('error', () => stopped());
  conn.output.on('error', () => stopped());
  input.resume();
  await Promise.race([exit, stop]);
  await session.close();
  conn.end();
}
