// A push parser for tar streams (ustar, GNU long names, PAX). Hand-written rather than a library
// because layers need what general parsers drop — binary xattr values (security.capability),
// fractional PAX mtimes, big uid/gid — and because synchronous callbacks let extraction run with
// no promise per entry, which is most of the speed of applying a layer.

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo' | 'other';

export interface TarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, with fractions when PAX gave them. */
  mtime: number;
  type: EntryType;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: ReadonlyMap<string, Buffer>;
}

const NO_XATTRS: ReadonlyMap<string, Buffer> = new Map();
const XATTR = 'SCHILY.xattr.';

export interface TarHandler {
  entry(h: TarHeader): void;
  data(chunk: Buffer): void;
  end(): void;
}

const BLOCK = 512;

export class TarError extends Error {}

export class TarParser {
  private buf: Buffer = Buffer.alloc(0);
  private remaining = 0; // data bytes left in the current entry
  private padding = 0; // padding bytes left after it
  private meta: 'pax' | 'global' | 'longname' | 'longlink' | undefined;
  private metaChunks: Buffer[] = [];
  private pax: Map<string, Buffer> = new Map();
  private globalPax: Map<string, Buffer> = new Map();
  private longName: string | undefined;
  private longLink: string | undefined;
  private ended = false;
  /** A zero block was read: the end of the archive if the next block is zero too, or the stream ends. */
  private zeroBlock = false;
  private inEntry = false;
  private readonly handler: TarHandler;
  entries = 0;

  constructor(handler: TarHandler) {
    this.handler = handler;
  }

  push(chunk: Buffer): void {
    let c = chunk;
    while (c.length > 0) {
      if (this.ended) return; // trailing bytes after the end marker are ignored, as tar does
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, c.length);
        const part = c.subarray(0, n);
        // Nothing of a chunk is kept past push(): its buffer may be reused (a pooled read).
        if (this.meta) this.metaChunks.push(Buffer.from(part));
        else this.handler.data(part);
        this.remaining -= n;
        c = c.subarray(n);
        if (this.remaining === 0) this.finishEntry();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, c.length);
        this.padding -= n;
        c = c.subarray(n);
        continue;
      }
      // Collect a whole header block.
      const need = BLOCK - this.buf.length;
      if (c.length < need) {
        this.buf = Buffer.concat([this.buf, c]);
        return;
      }
      const block = this.buf.length > 0 ? Buffer.concat([this.buf, c.subarray(0, need)]) : c.subarray(0, BLOCK);
      this.buf = Buffer.alloc(0);
      c = c.subarray(need);
      this.header(block);
    }
  }

  /** Call at the end of input: a stream that stops inside an entry is truncated. */
  finish(): void {
    if (this.remaining > 0 || this.inEntry) throw new TarError(`unexpected end of data: the tar stream is truncated`);
    if (this.buf.length > 0 && !this.ended && !(this.zeroBlock && isZero(this.buf))) throw new TarError('unexpected end of data: a partial tar header at the end');
  }

  private finishEntry(): void {
    this.padding = (BLOCK - (this.sizeOfCurrent % BLOCK)) % BLOCK;
    if (this.meta) {
      const body = Buffer.concat(this.metaChunks);
      this.metaChunks = [];
      if (this.meta === 'pax') this.pax = decodePax(body, this.pax, true);
      else if (this.meta === 'global') this.globalPax = decodePax(body, this.globalPax);
      else if (this.meta === 'longname') this.longName = cString(body);
      else this.longLink = cString(body);
      this.meta = undefined;
      return;
    }
    this.inEntry = false;
    this.handler.end();
  }

  private sizeOfCurrent = 0;

  private header(block: Buffer): void {
    if (isZero(block)) {
      // The end-of-archive marker is two zero blocks.
      if (this.zeroBlock) this.ended = true;
      this.zeroBlock = true;
      return;
    }
    // A header after a single zero block: Go's archive/tar (Docker) refuses it; GNU tar warns and stops
    // there, which would silently drop the entries that follow.
    if (this.zeroBlock) throw new TarError(`a lone zero block before entry ${this.entries + 1}: the archive is corrupt`);
    const sum = parseNumber(block, 148, 8);
    if (sum !== checksum(block)) throw new TarError(`invalid tar header checksum (entry ${this.entries + 1}); the stream is not a tar archive or is corrupt`);
    const flag = String.fromCharCode(block[156] as number);
    const size = parseNumber(block, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`invalid entry size in tar header (entry ${this.entries + 1})`);
    this.sizeOfCurrent = size;
    const metaKind = flag === 'x' ? 'pax' : flag === 'g' ? 'global' : flag === 'L' ? 'longname' : flag === 'K' ? 'longlink' : undefined;
    if (metaKind) {
      if (size > 64 << 20) throw new TarError(`a ${metaKind} header of ${size} bytes is too large`);
      this.meta = metaKind;
      this.remaining = size;
      if (size === 0) this.finishEntry();
      return;
    }
    const isUstar = block.toString('latin1', 257, 262) === 'ustar';
    let name = cString(block.subarray(0, 100));
    if (isUstar && block[345] !== 0 && block.toString('latin1', 257, 263) !== 'ustar ') {
      const prefix = cString(block.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    const local = this.pax;
    const global = this.globalPax;
    // An entry's own record wins over a global one; an empty one deletes the key, a global one
    // included (POSIX).
    const raw = (k: string): Buffer | undefined => {
      const v = local.get(k) ?? global.get(k);
      return v === undefined || v.length === 0 ? undefined : v;
    };
    const str = (k: string): string | undefined => raw(k)?.toString('utf8');
    const num = (k: string, fallback: number): number => {
      const v = str(k);
      return v === undefined ? fallback : Number(v);
    };
    const h: TarHeader = {
      name: str('path') ?? this.longName ?? name,
      mode: parseNumber(block, 100, 8),
      uid: num('uid', parseNumber(block, 108, 8)),
      gid: num('gid', parseNumber(block, 116, 8)),
      size: num('size', size),
      mtime: num('mtime', parseNumber(block, 136, 12)),
      type: typeOf(flag, name),
      linkname: str('linkpath') ?? this.longLink ?? cString(block.subarray(157, 257)),
      devmajor: parseNumber(block, 329, 8),
      devminor: parseNumber(block, 337, 8),
      xattrs: xattrsOf(global, local),
    };
    if (local.size > 0) this.pax = new Map();
    this.longName = undefined;
    this.longLink = undefined;
    if (!Number.isSafeInteger(h.size) || h.size < 0) throw new TarError(`invalid size in PAX header for ${JSON.stringify(h.name)}`);
    this.sizeOfCurrent = h.size;
    this.entries++;
    this.inEntry = true;
    this.handler.entry(h);
    // Header-only types carry no data whatever their size field says (a hard link's is ignored by
    // convention); every other entry's data is skipped past, known type or not, as Go's archive/tar does.
    const headerOnly = h.type === 'link' || h.type === 'symlink' || h.type === 'char' || h.type === 'block' || h.type === 'directory' || h.type === 'fifo';
    this.remaining = headerOnly ? 0 : h.size;
    if (headerOnly) this.sizeOfCurrent = 0;
    if (this.remaining === 0) this.finishEntry();
  }
}

function xattrsOf(global: Map<string, Buffer>, local: Map<string, Buffer>): ReadonlyMap<string, Buffer> {
  let out: Map<string, Buffer> | undefined;
  for (const records of [global, local]) {
    for (const [k, v] of records) {
      if (!k.startsWith(XATTR)) continue;
      out ??= new Map();
      if (v.length === 0) out.delete(k.slice(XATTR.length));
      else out.set(k.slice(XATTR.length), v);
    }
  }
  return out ?? NO_XATTRS;
}

function typeOf(flag: string, name: string): EntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return name.endsWith('/') ? 'directory' : 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.toString('utf8', 0, end === -1 ? b.length : end);
}

/** Octal (NUL/space terminated) or GNU base-256 (high bit set) numbers. */
function parseNumber(block: Buffer, off: number, len: number): number {
  const first = block[off] as number;
  if (first & 0x80) {
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (block[off + i] as number);
    return v;
  }
  let v = 0;
  let i = off;
  const end = off + len;
  while (i < end && block[i] === 0x20) i++;
  for (; i < end; i++) {
    const ch = block[i] as number;
    if (ch === 0 || ch === 0x20) break;
    if (ch < 0x30 || ch > 0x37) return NaN;
    v = v * 8 + (ch - 0x30);
  }
  return v;
}

function checksum(block: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += block[i] as number;
  for (let i = 156; i < BLOCK; i++) sum += block[i] as number;
  return sum;
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * PAX records: "LEN key=value\n", values kept as raw bytes (xattrs may be binary). An empty value
 * deletes the key; for an entry's own records it is kept, empty, to delete a global one too.
 */
function decodePax(body: Buffer, into: Map<string, Buffer>, keepEmpty = false): Map<string, Buffer> {
  const out = new Map(into);
  let off = 0;
  while (off < body.length) {
    const sp = body.indexOf(0x20, off);
    if (sp === -1) break;
    const len = Number(body.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= 0 || off + len > body.length) throw new TarError('malformed PAX header record');
    const rec = body.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq === -1) throw new TarError('malformed PAX header record');
    const key = rec.toString('utf8', 0, eq);
    const value = Buffer.from(rec.subarray(eq + 1));
    if (value.length === 0 && !keepEmpty) out.delete(key);
    else out.set(key, value);
    off += len;
  }
  return out;
}
