// A container's log stream as the API sends it — stdcopy frames without a terminal, raw bytes with
// one — back into the engine's log entries (one per line, with conmon's timestamp).
import type { Readable } from 'node:stream';
import type { LogEntry } from '../../engine/index.ts';
import { Demultiplexer, STDERR } from '../stdcopy.ts';

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
  const frames = new Demultiplexer();
  for await (const c of body) {
    if (tty) {
      yield* lines('stdout', c as Buffer);
      continue;
    }
    for (const f of frames.push(c as Buffer)) yield* lines(f.stream === STDERR ? 'stderr' : 'stdout', f.payload);
  }
  yield* lines('stdout', Buffer.alloc(0), true);
  yield* lines('stderr', Buffer.alloc(0), true);
}
