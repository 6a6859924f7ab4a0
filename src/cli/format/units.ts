// Sizes, durations, IDs and times printed as Docker prints them (go-units, stringid).
import { invalidArgument } from '../../errdefs/index.ts';

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's fmt %.<prec>g: <prec> significant digits rounded half to even, trailing zeros dropped, and
 *  the exponent form (1e+03, 1.5e-05) when the exponent is below -4 or at least <prec>. */
function goFormatG(v: number, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  // 100 significant digits: the exact decimal value of any double of ordinary magnitude.
  const [mantissa, e] = Math.abs(v).toExponential(99).split('e') as [string, string];
  const all = mantissa.replace('.', '');
  let exp = Number(e);
  let head = all.slice(0, prec);
  const tail = all.slice(prec);
  const first = tail[0] ?? '0';
  const up = first > '5' || (first === '5' && (/[1-9]/.test(tail.slice(1)) || Number(head[head.length - 1]) % 2 === 1));
  if (up) {
    const bumped = (BigInt(head) + 1n).toString();
    if (bumped.length > head.length) {
      head = bumped.slice(0, head.length);
      exp++;
    } else {
      head = bumped;
    }
  }
  const digits = head.replace(/0+$/, '') || '0';
  if (exp < -4 || exp >= prec) {
    const m = digits.length > 1 ? `${digits[0] as string}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

function scaled(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  let v = size;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  // Past the largest unit (1000YB and up) the number is printed whole. go-units would print
  // %g's exponent form here too ("1e+03YB"); such sizes do not occur.
  if (v >= base) return `${Number(v.toPrecision(precision))}${units[i] as string}`;
  return `${goFormatG(v, precision)}${units[i] as string}`;
}

/** go-units HumanSizeWithPrecision(size, 3): 4.26MB, 105MB, 0B. `precision` 4 is go-units' HumanSize (`system df` uses it). */
export function humanSize(size: number, precision = 3): string {
  return scaled(size, 1000, DECIMAL, precision);
}

/** go-units BytesSize: 1.5MiB. */
export function bytesSize(size: number): string {
  return scaled(size, 1024, BINARY, 4);
}

// go-units HumanDuration lives in the engine (Docker's status texts need it there).
export { humanDuration } from '../../engine/index.ts';

/** go-units RAMInBytes: "512m", "1g", "100k" (binary multiples). */
export function parseBytes(s: string): number {
  // go-units (v0.5, as Docker vendors it): a number, then b, or a unit with an optional b or ib
  // (1g, 1gb, 1gib); "1gi" is refused, as Docker refuses it.
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgtp])(?:i?b)?|b)?$/i.exec(s.trim());
  if (!m) throw invalidArgument(`invalid size: '${s}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[(m[2] ?? '').toLowerCase() as 'k'];
  return Math.floor(Number(m[1]) * mult);
}

/** stringid.TruncateID: without "sha256:", 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  return (i === -1 ? id : id.slice(i + 1)).slice(0, 12);
}

/** Go's time.Time.String() in UTC: "2024-01-02 15:04:05 +0000 UTC", "2024-01-02 15:04:05.678 +0000 UTC"
 *  (the fraction with its trailing zeros dropped, none when it is zero). */
export function goTime(d: Date): string {
  const ms = d.getUTCMilliseconds();
  const frac = ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}${frac} +0000 UTC`;
}

/** Docker inspect's JSON: 4-space indent, with Go's escaping of <, > and &. */
export function jsonIndent(v: unknown): string {
  return JSON.stringify(v, null, 4).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
