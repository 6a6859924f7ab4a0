// Sizes, durations, IDs and times printed as Docker prints them (go-units, stringid).
import { invalidArgument } from '../../errdefs/index.ts';

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  let v = size;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${Number(v.toPrecision(precision))}${units[i] as string}`;
}

/** go-units HumanSizeWithPrecision(size, 3): 4.26MB, 105MB, 0B. */
export function humanSize(size: number): string {
  return scaled(size, 1000, DECIMAL, 3);
}

/** go-units BytesSize: 1.5MiB. */
export function bytesSize(size: number): string {
  return scaled(size, 1024, BINARY, 4);
}

// go-units HumanDuration lives in the engine (Docker's status texts need it there).
export { humanDuration } from '../../engine/index.ts';

/** go-units RAMInBytes: "512m", "1g", "100k" (binary multiples). */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw invalidArgument(`invalid size: '${s}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[(m[2] as string).toLowerCase() as 'k'];
  return Math.floor(Number(m[1]) * mult);
}

/** stringid.TruncateID: without "sha256:", 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  return (i === -1 ? id : id.slice(i + 1)).slice(0, 12);
}

/** Go's time.Time.String() in UTC: "2024-01-02 15:04:05 +0000 UTC". */
export function goTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** Docker inspect's JSON: 4-space indent, with Go's escaping of <, > and &. */
export function jsonIndent(v: unknown): string {
  return JSON.stringify(v, null, 4).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
