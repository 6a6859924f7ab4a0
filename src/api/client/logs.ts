// A container's log stream as the API sends it — stdcopy frames without a terminal, raw bytes with
// one — back into the engine's log entries (one per line, with conmon's timestamp).
import type { Readable } from 'node:stream';
import type { LogEntry } from '../../engine/index.ts';

/** Splits `timestamps=1` output ("2026-…Z text\n") into entries; `tty` streams are all stdout. */
export async function* logEntries(body: Readable, tty: boolean): AsyncIterable<LogEntry> {
  const pending: Record<'stdout' | 'stderr', Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  const lines = function* (stream: 'stdout' | 'stderr', data: Buffer, end = false): Generator<LogEntry> {
    let buf = Buffer.concat([pending[stream], data]);
    let nl;
    while ((nl = buf.indexOf(0x0a)) !== -1 || (end && buf.length > 0)) {
      const line = nl === -1 ? buf : buf.subarray(0, nl + 1);
      buf = buf.subarray(line.length);
      const sp = line.indexOf(0x20);
      yield { stream, time: line.toString('latin1', 0, sp), data: line.subarray(sp + 1) };
    }
    pending[stream] = buf;
  };
  let frames = Buffer.alloc(0);
  for await (const c of body) {
    if (tty) {
      yield* lines('stdout', c as Buffer);
      continue;
    }
    frames = Buffer.concat([frames, c as Buffer]);
    while (frames.length >= 8) {
      const size = frames.readUInt32BE(4);
      if (frames.length < 8 + size) break;
      yield* lines(frames[0] === 2 ? 'stderr' : 'stdout', frames.subarray(8, 8 + size));
      frames = frames.subarray(8 + size);
    }
  }
  yield* lines('stdout', Buffer.alloc(0), true);
  yield* lines('stderr', Buffer.alloc(0), true);
}
