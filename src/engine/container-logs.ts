// Reading a container's log as conmon writes it (k8s-file: `TIME STREAM F|P TEXT` per line, F for
// a full line, P for part of one), with Docker's --tail, --since, --until and --follow.
import { open } from 'node:fs/promises';
import { errnoCode } from '../errdefs/index.ts';
import type { LogEntry, LogOptions } from './types.ts';

export function parseLogLine(line: string): LogEntry | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  return { stream, time: line.slice(0, a), data: Buffer.from(tag.startsWith('P') ? text : `${text}\n`) };
}

/** Seconds since the epoch, with the nanoseconds conmon writes kept as a fraction. */
export function logTime(t: string): number {
  const m = /^(.*?T\d\d:\d\d:\d\d)(\.\d+)?(.*)$/.exec(t);
  if (!m) return NaN;
  return Date.parse(`${m[1] as string}${m[3] as string}`) / 1000 + Number(m[2] ?? 0);
}

export async function* readLog(path: string, opts: LogOptions, running: () => Promise<boolean>): AsyncGenerator<LogEntry> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const keep = (e: LogEntry): boolean => {
      const t = logTime(e.time);
      return !(opts.since !== undefined && t < opts.since) && !(opts.until !== undefined && t > opts.until);
    };
    let pos = 0;
    let rest = '';
    const readMore = async (): Promise<LogEntry[]> => {
      const { size } = await fh.stat();
      if (size <= pos) return [];
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      const text = rest + buf.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      return lines.flatMap((l) => parseLogLine(l) ?? []).filter(keep);
    };
    let first = await readMore();
    if (opts.tail !== undefined && opts.tail >= 0) first = opts.tail === 0 ? [] : first.slice(-opts.tail);
    yield* first;
    if (!opts.follow) return;
    while (!opts.signal?.aborted) {
      const live = await running();
      yield* await readMore();
      if (!live) {
        yield* await readMore();
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await fh.close();
  }
}
