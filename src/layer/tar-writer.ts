// Tar headers as Docker writes them: ustar, with a PAX extended header only when a field does not
// fit (long names, big numbers, fractional times are dropped) or xattrs must be carried.
import type { EntryType } from './tar-reader.ts';

export interface WriteHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Whole seconds. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  uname?: string;
  gname?: string;
  xattrs?: ReadonlyMap<string, Buffer>;
}

const FLAG: Record<EntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6', other: '0' };

export function encodeHeader(h: WriteHeader): Buffer {
  const pax: [string, Buffer][] = [];
  const name = h.type === 'directory' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  let ustarName = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const split = splitUstar(name);
    if (split) [prefix, ustarName] = split;
    else {
      pax.push(['path', Buffer.from(name)]);
      ustarName = name.slice(0, 99);
    }
  }
  const link = h.linkname ?? '';
  if (Buffer.byteLength(link) > 100) pax.push(['linkpath', Buffer.from(link)]);
  const fits = (v: number, digits: number): boolean => v >= 0 && v < 8 ** digits;
  if (!fits(h.size, 11)) pax.push(['size', Buffer.from(String(h.size))]);
  if (!fits(h.uid, 7)) pax.push(['uid', Buffer.from(String(h.uid))]);
  if (!fits(h.gid, 7)) pax.push(['gid', Buffer.from(String(h.gid))]);
  for (const [k, v] of [...(h.xattrs ?? new Map<string, Buffer>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax.push([`SCHILY.xattr.${k}`, v]);
  const main = ustarBlock({ ...h, name: ustarName, linkname: Buffer.byteLength(link) > 100 ? link.slice(0, 99) : link }, prefix);
  if (pax.length === 0) return main;
  const body = encodePax(pax);
  const paxHeader = ustarBlock({ name: `PaxHeaders.0/${ustarName}`.slice(0, 99), type: 'other', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: h.mtime }, '', 'x');
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), main]);
}

export function padding(size: number): number {
  return (512 - (size % 512)) % 512;
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_END = Buffer.alloc(1024);

function splitUstar(name: string): [string, string] | undefined {
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const p = name.slice(0, i);
    const n = name.slice(i + 1);
    if (Buffer.byteLength(p) <= 155 && Buffer.byteLength(n) <= 100 && n.length > 0) return [p, n];
  }
  return undefined;
}

function ustarBlock(h: WriteHeader, prefix: string, flag?: string): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode & 0o7777);
  octal(b, 108, 8, Math.min(h.uid, 0o7777777));
  octal(b, 116, 8, Math.min(h.gid, 0o7777777));
  octal(b, 124, 12, h.size < 8 ** 11 ? h.size : 0);
  octal(b, 136, 12, Math.max(0, Math.floor(h.mtime)));
  b.fill(0x20, 148, 156);
  b.write(flag ?? FLAG[h.type], 156, 1, 'latin1');
  b.write(h.linkname ?? '', 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 8, 'latin1');
  b.write(h.uname ?? '', 265, 32, 'utf8');
  b.write(h.gname ?? '', 297, 32, 'utf8');
  if (h.type === 'char' || h.type === 'block') {
    octal(b, 329, 8, h.devmajor ?? 0);
    octal(b, 337, 8, h.devminor ?? 0);
  }
  b.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i] as number;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

function octal(b: Buffer, off: number, len: number, v: number): void {
  b.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, len, 'latin1');
}

function encodePax(records: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of records) {
    const rest = Buffer.byteLength(k) + v.length + 3; // " " "=" "\n"
    let len = rest + String(rest).length;
    if (String(len).length !== String(rest).length) len = rest + String(len).length;
    parts.push(Buffer.from(`${len} ${k}=`), v, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}
