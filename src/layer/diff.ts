// A directory as an OCI layer tar: entries sorted by path (reproducible), hard links kept as links,
// xattrs as PAX records. From an overlay upper dir, overlay whiteouts (0/0 char devices) become
// `.wh.NAME` entries and opaque directories get a `.wh..wh..opq` entry.
import { lstatSync, readdirSync, readlinkSync, openSync, readSync, closeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { lgetxattr, llistxattr } from '../sys/index.ts';
import { encodeHeader, padding, TAR_END, type WriteHeader } from './tar-writer.ts';

export interface DiffOptions {
  from: 'overlay-upper' | 'plain';
  /** Clamp every mtime to this (seconds), as BuildKit's rewrite-timestamp does. */
  sourceDateEpoch?: number;
  /** Entries to leave out (with what is under them); `rel` has no leading slash. */
  skip?: (rel: string, st: Stats) => boolean;
}

export function diffDirectory(dir: string, opts: DiffOptions): Readable {
  return Readable.from(walkTar(dir, opts), { objectMode: false, highWaterMark: 1 << 20 });
}

export function tarDirectory(dir: string, sourceDateEpoch?: number): Readable {
  return diffDirectory(dir, { from: 'plain', sourceDateEpoch });
}

async function* walkTar(root: string, opts: DiffOptions): AsyncGenerator<Buffer> {
  const links = new Map<string, string>(); // "dev:ino" → first path
  const clamp = (t: number): number => (opts.sourceDateEpoch !== undefined ? Math.min(t, opts.sourceDateEpoch) : t);
  const buf = Buffer.allocUnsafe(1 << 20);

  function* entries(rel: string): Generator<string> {
    const names = readdirSync(join(root, rel)).sort();
    for (const n of names) {
      const childRel = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(root, childRel));
      if (opts.skip?.(childRel, st)) continue;
      yield childRel;
      if (st.isDirectory()) yield* entries(childRel);
    }
  }

  for (const rel of entries('')) {
    const abs = join(root, rel);
    const st = lstatSync(abs, { bigint: false });
    const base: Omit<WriteHeader, 'type' | 'name' | 'size'> = {
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: clamp(Math.floor(st.mtimeMs / 1000)),
      xattrs: xattrsOf(abs),
    };
    const slash = rel.lastIndexOf('/');
    const dirPart = slash === -1 ? '' : rel.slice(0, slash + 1);
    const name = rel.slice(slash + 1);
    if (opts.from === 'overlay-upper' && st.isCharacterDevice() && st.rdev === 0) {
      yield encodeHeader({ ...base, name: `${dirPart}.wh.${name}`, type: 'file', size: 0, mode: 0o644, xattrs: undefined });
      continue;
    }
    if (st.isDirectory()) {
      const opaque = opts.from === 'overlay-upper' && lgetxattr(abs, 'trusted.overlay.opaque')?.toString() === 'y';
      yield encodeHeader({ ...base, name: rel, type: 'directory', size: 0 });
      if (opaque) yield encodeHeader({ ...base, name: `${rel}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644, xattrs: undefined });
      continue;
    }
    if (st.isSymbolicLink()) {
      yield encodeHeader({ ...base, name: rel, type: 'symlink', size: 0, linkname: readlinkSync(abs) });
      continue;
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        yield encodeHeader({ ...base, name: rel, type: 'link', size: 0, linkname: first });
        continue;
      }
      links.set(key, rel);
    }
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      // Linux dev_t layout, in BigInt: 32-bit shifts would garble minors of 2^19 and above.
      const rdev = BigInt(st.rdev);
      const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
      const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
      yield encodeHeader({ ...base, name: rel, type: st.isCharacterDevice() ? 'char' : 'block', size: 0, devmajor: major, devminor: minor });
      continue;
    }
    if (st.isFIFO()) {
      yield encodeHeader({ ...base, name: rel, type: 'fifo', size: 0 });
      continue;
    }
    if (!st.isFile()) continue; // sockets are not archived
    yield encodeHeader({ ...base, name: rel, type: 'file', size: st.size });
    const fd = openSync(abs, 'r');
    try {
      let left = st.size;
      while (left > 0) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
        if (n === 0) throw new Error(`${abs} shrank while it was being archived`);
        left -= n;
        yield Buffer.from(buf.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    const pad = padding(st.size);
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield TAR_END;
}

function xattrsOf(abs: string): Map<string, Buffer> | undefined {
  const names = llistxattr(abs).filter((n) => !n.startsWith('trusted.overlay.'));
  if (names.length === 0) return undefined;
  const m = new Map<string, Buffer>();
  for (const n of names.sort()) {
    const v = lgetxattr(abs, n);
    if (v !== undefined) m.set(n, v);
  }
  return m;
}
