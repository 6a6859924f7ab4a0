// Unit tests for layer/: the tar reader and writer, compression, entry paths, applying a layer
// (metadata, whiteouts, diff IDs, hostile input) and diffing a directory back into a layer.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  type Stats, chmodSync, chownSync, existsSync, linkSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync,
  readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { BerthError } from '../errdefs/index.ts';
import { lgetxattr, llistxattr, lsetxattr, makeDev, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../sys/index.ts';
import { applyLayer, checkLayer, type ApplyOptions } from './apply.ts';
import { compress, decompress, detectCompression } from './compression.ts';
import { diffDirectory, tarDirectory } from './diff.ts';
import { cleanEntryPath, ensureParents, layerError } from './paths.ts';
import { TarError, TarParser, type TarHeader } from './tar-reader.ts';
import { encodeHeader, padding, TAR_END, type WriteHeader } from './tar-writer.ts';

// ---------------------------------------------------------------------------------------------
// Helpers: tars built in memory with the project's own writer, and a few hand-made blocks.

const MTIME = 1_700_000_000;
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

type H = Partial<WriteHeader> & Pick<WriteHeader, 'name' | 'type'>;

function hdr(h: H): Buffer {
  return encodeHeader({ mode: h.type === 'directory' ? 0o755 : 0o644, uid: 0, gid: 0, size: 0, mtime: MTIME, ...h });
}

function file(name: string, data: string | Buffer = '', extra: Partial<WriteHeader> = {}): Buffer {
  const d = Buffer.from(data);
  return Buffer.concat([hdr({ name, type: 'file', size: d.length, ...extra }), d, Buffer.alloc(padding(d.length))]);
}

function dir(name: string, extra: Partial<WriteHeader> = {}): Buffer {
  return hdr({ name, type: 'directory', ...extra });
}

function tar(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, TAR_END]);
}

/** Recomputes the checksum of the 512-byte header block at `off`. */
function fixChecksum(b: Buffer, off = 0): Buffer {
  b.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = off; i < off + 512; i++) sum += b[i] as number;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148, 8, 'latin1');
  return b;
}

/** A ustar header block with a raw type flag (x, g, L, K, or an unknown one) and a body of that size. */
function rawEntry(flag: string, name: string, body: Buffer): Buffer {
  const block = Buffer.from(hdr({ name, type: 'file', size: body.length }));
  block.write(flag, 156, 1, 'latin1');
  fixChecksum(block);
  return Buffer.concat([block, body, Buffer.alloc(padding(body.length))]);
}

/** PAX records "LEN key=value\n" (values may be binary). */
function paxBody(records: [string, string | Buffer][]): Buffer {
  return Buffer.concat(records.map(([k, v]) => {
    const value = Buffer.from(v);
    const rest = Buffer.byteLength(k) + value.length + 3;
    let len = rest + String(rest).length;
    if (String(len).length !== String(rest).length) len = rest + String(len).length;
    return Buffer.concat([Buffer.from(`${len} ${k}=`), value, Buffer.from('\n')]);
  }));
}

interface Parsed extends TarHeader {
  data: Buffer;
}

/**
 * Parses a whole tar with TarParser, pushing it `chunk` bytes at a time; with `reuse`, every chunk
 * through one buffer, overwritten after each push (as a pooled read reuses its buffers).
 */
function parse(buf: Buffer, chunk = buf.length || 1, reuse = false): Parsed[] {
  const out: Parsed[] = [];
  const parts: Buffer[] = [];
  const p = new TarParser({
    entry: (h) => {
      out.push({ ...h, data: Buffer.alloc(0) });
      parts.length = 0;
    },
    data: (c) => parts.push(Buffer.from(c)),
    end: () => {
      (out.at(-1) as Parsed).data = Buffer.concat(parts);
    },
  });
  const scratch = Buffer.alloc(chunk);
  for (let i = 0; i < buf.length; i += chunk) {
    if (!reuse) {
      p.push(buf.subarray(i, i + chunk));
      continue;
    }
    p.push(scratch.subarray(0, buf.copy(scratch, 0, i, i + chunk)));
    scratch.fill(0x41);
  }
  p.finish();
  return out;
}

async function collect(r: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function apply(target: string, input: Buffer | Buffer[], opts: Partial<ApplyOptions> = {}): ReturnType<typeof applyLayer> {
  return applyLayer(Readable.from(Array.isArray(input) ? input : [input]), target, { whiteouts: 'apply', ...opts });
}

/** A temp dir berth-unit-* removed after the test. */
function tempRoot(t: TestContext): string {
  const base = mkdtempSync(join(tmpdir(), 'berth-unit-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return base;
}

interface Workspace {
  base: string;
  outer: string;
  target: string;
  sentinel: string;
  /** Asserts nothing was written, removed or replaced next to the target. */
  untouched(): void;
}

/** base/outer/{target,sentinel}: the sentinel directory beside the target must never change. */
function workspace(t: TestContext): Workspace {
  const base = tempRoot(t);
  const outer = join(base, 'outer');
  const target = join(outer, 'target');
  const sentinel = join(outer, 'sentinel');
  mkdirSync(target, { recursive: true });
  mkdirSync(join(sentinel, 'sub'), { recursive: true });
  writeFileSync(join(sentinel, 'keep'), 'keep me');
  writeFileSync(join(sentinel, 'sub', 'deep'), 'deep');
  const before = snapshot(outer, { skip: 'target' });
  return {
    base, outer, target, sentinel,
    untouched() {
      assert.ok(existsSync(outer), 'the directory holding the target still exists');
      assert.deepEqual(readdirSync(base), ['outer'], 'nothing new beside outer');
      assert.deepEqual(readdirSync(outer).sort(), ['sentinel', 'target'], 'nothing new beside the target');
      assert.ok(lstatSync(target).isDirectory(), 'the target is still a directory');
      assert.deepEqual(snapshot(outer, { skip: 'target' }), before, 'the sentinel is unchanged');
    },
  };
}

/**
 * A directory tree as comparable strings: type, mode, owner, size and content hash, link targets,
 * device numbers, mtimes (whole seconds), xattrs, and which paths are hard links of one another.
 */
function snapshot(root: string, opts: { times?: boolean; xattrs?: (name: string) => boolean; skip?: string } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const inodes = new Map<number, string>();
  const walk = (rel: string): void => {
    for (const n of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (r === opts.skip) continue;
      const abs = join(root, r);
      const st = lstatSync(abs);
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isFIFO() ? 'fifo'
        : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'other';
      const parts = [type, `mode=${(st.mode & 0o7777).toString(8)}`, `owner=${st.uid}:${st.gid}`];
      if (type === 'file') parts.push(`size=${st.size}`, sha256(readFileSync(abs)).slice(7, 19));
      if (type === 'symlink') parts.push(`-> ${readlinkSync(abs)}`);
      if (type === 'char' || type === 'block') parts.push(`rdev=${st.rdev}`);
      // Overlay whiteouts (0/0 char devices) get no time from the layer: skip theirs.
      if (opts.times !== false && !(type === 'char' && st.rdev === 0)) parts.push(`mtime=${Math.floor(st.mtimeMs / 1000)}`);
      if (type !== 'dir' && st.nlink > 1) {
        const first = inodes.get(st.ino);
        if (first === undefined) inodes.set(st.ino, r);
        else parts.push(`hardlink=${first}`);
      }
      for (const x of llistxattr(abs).sort()) {
        if (opts.xattrs && !opts.xattrs(x)) continue;
        parts.push(`${x}=${(lgetxattr(abs, x) as Buffer).toString('hex')}`);
      }
      out[r] = parts.join(' ');
      if (type === 'dir') walk(r);
    }
  };
  walk('');
  return out;
}

/** A VFS_CAP_REVISION_2 security.capability value: cap_net_bind_service+ep, as setcap writes it. */
const CAP_NET_BIND_SERVICE = Buffer.from('0100000200040000000000000000000000000000', 'hex');

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<BerthError> {
  let caught: unknown;
  await assert.rejects(p, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof BerthError, `a BerthError, got ${String(caught)}`);
  assert.equal(caught.kind, 'InvalidArgument');
  assert.match(caught.message, re);
  return caught;
}

// ---------------------------------------------------------------------------------------------
// tar-writer and tar-reader

test('tar writer → reader: every entry type with its metadata', () => {
  const buf = tar(
    dir('d', { mode: 0o2775, uid: 10, gid: 20, mtime: MTIME + 1 }),
    file('d/f', 'hello', { mode: 0o4755, uid: 1000, gid: 1001, uname: 'u', gname: 'g' }),
    hdr({ name: 'd/sym', type: 'symlink', linkname: '../target', mode: 0o777 }),
    hdr({ name: 'd/hard', type: 'link', linkname: 'd/f' }),
    hdr({ name: 'null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 }),
    hdr({ name: 'loop0', type: 'block', devmajor: 7, devminor: 0, mode: 0o660 }),
    hdr({ name: 'pipe', type: 'fifo', mode: 0o600 }),
  );
  assert.equal(buf.length % 512, 0);
  const e = parse(buf);
  assert.deepEqual(e.map((x) => [x.name, x.type]), [
    ['d/', 'directory'], ['d/f', 'file'], ['d/sym', 'symlink'], ['d/hard', 'link'], ['null', 'char'], ['loop0', 'block'], ['pipe', 'fifo'],
  ]);
  const [d, f, sym, hard, nul, loop, pipe] = e as [Parsed, Parsed, Parsed, Parsed, Parsed, Parsed, Parsed];
  assert.deepEqual([d.mode, d.uid, d.gid, d.mtime], [0o2775, 10, 20, MTIME + 1]);
  assert.deepEqual([f.mode, f.uid, f.gid, f.size, f.mtime, f.data.toString()], [0o4755, 1000, 1001, 5, MTIME, 'hello']);
  assert.equal(sym.linkname, '../target');
  assert.equal(hard.linkname, 'd/f');
  assert.deepEqual([nul.devmajor, nul.devminor, nul.mode], [1, 3, 0o666]);
  assert.deepEqual([loop.devmajor, loop.devminor], [7, 0]);
  assert.equal(pipe.mode, 0o600);
  // Plain ustar: no PAX header when everything fits.
  assert.equal(buf.toString('latin1', 257, 262), 'ustar');
  assert.equal(String.fromCharCode(buf[156] as number), '5');
});

test('tar writer: long names, long link targets, big ids and sizes go into PAX records', () => {
  const splittable = `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(30)}`; // 152 bytes, fits prefix + name
  const oneComponent = `dir/${'x'.repeat(150)}`; // the last component alone is over 100 bytes
  const longTarget = `/${'t'.repeat(200)}`;
  const e1 = hdr({ name: splittable, type: 'file' });
  assert.equal(e1.length, 512, 'a name that splits into ustar prefix/name needs no PAX header');
  const e2 = hdr({ name: oneComponent, type: 'file' });
  assert.ok(e2.length > 512);
  assert.equal(String.fromCharCode(e2[156] as number), 'x');
  const buf = tar(
    hdr({ name: splittable, type: 'file' }),
    hdr({ name: oneComponent, type: 'file' }),
    hdr({ name: 'l', type: 'symlink', linkname: longTarget }),
    hdr({ name: 'ids', type: 'file', uid: 0o7777777 + 1, gid: 4_000_000 }),
  );
  const e = parse(buf);
  assert.deepEqual(e.map((x) => x.name), [splittable, oneComponent, 'l', 'ids']);
  assert.equal(e[2]?.linkname, longTarget);
  assert.deepEqual([e[3]?.uid, e[3]?.gid], [0o7777777 + 1, 4_000_000]);

  // 8 GiB does not fit in 11 octal digits: size goes to PAX, and the ustar field says 0.
  const huge = hdr({ name: 'huge', type: 'file', size: 8 * 2 ** 30 });
  assert.match(huge.toString('latin1', 512, 1024), /\d+ size=8589934592\n/);
  const seen: TarHeader[] = [];
  const p = new TarParser({ entry: (h) => seen.push(h), data: () => undefined, end: () => undefined });
  p.push(huge);
  assert.equal(seen[0]?.size, 8 * 2 ** 30);
  assert.throws(() => p.finish(), (err: unknown) => err instanceof TarError && /truncated/.test(err.message));
});

test('the tar parser keeps nothing of a pushed chunk (a pooled read reuses its buffer)', () => {
  const long = `${'n'.repeat(150)}/${'f'.repeat(120)}`; // not splittable into ustar's prefix: a PAX path
  const buf = tar(file(long, 'data', { xattrs: new Map([['security.capability', CAP_NET_BIND_SERVICE]]) }), file('b', 'x'.repeat(3000)));
  // PAX records split across two chunks must have been copied.
  const got = parse(buf, 100, true);
  assert.equal(got[0]?.name, long);
  assert.deepEqual(got, parse(buf));
});

test('tar writer → reader: binary xattr values (security.capability) survive as SCHILY.xattr PAX records', () => {
  const binary = Buffer.from([0, 1, 2, 0x0a, 0x3d, 0x20, 0xff, 0]);
  const buf = tar(file('bin/ping', 'ELF', { xattrs: new Map([['security.capability', CAP_NET_BIND_SERVICE], ['user.bin', binary]]) }));
  const body = buf.toString('latin1', 512, 1024);
  assert.match(body, /SCHILY\.xattr\.security\.capability=/);
  // Records are sorted by key, as Docker writes them.
  assert.ok(body.indexOf('security.capability') < body.indexOf('user.bin'));
  const [e] = parse(buf);
  assert.equal(e?.name, 'bin/ping');
  assert.deepEqual(e?.xattrs.get('security.capability'), CAP_NET_BIND_SERVICE);
  assert.deepEqual(e?.xattrs.get('user.bin'), binary);
  assert.equal(e?.data.toString(), 'ELF');
});

test('tar reader: any chunking gives the same entries', () => {
  const buf = tar(
    dir('a'),
    file('a/one', 'x'.repeat(700)),
    file(`a/${'long'.repeat(40)}`, 'y', { xattrs: new Map([['user.k', Buffer.from('v')]]) }),
    hdr({ name: 'a/s', type: 'symlink', linkname: 'one' }),
  );
  const whole = parse(buf);
  for (const chunk of [1, 7, 511, 513, 1024]) {
    const got = parse(buf, chunk);
    assert.deepEqual(got.map((x) => [x.name, x.type, x.data.toString('hex'), [...x.xattrs]]), whole.map((x) => [x.name, x.type, x.data.toString('hex'), [...x.xattrs]]), `chunk ${chunk}`);
  }
  assert.equal(whole[1]?.data.length, 700);
});

test('tar reader: PAX local and global headers, fractional mtimes, deleting records', () => {
  const buf = tar(
    rawEntry('g', 'pax_global_header', paxBody([['uid', '1234'], ['comment', 'global']])),
    file('first'),
    rawEntry('x', 'PaxHeaders/second', paxBody([['path', 'renamed/second'], ['mtime', '1700000000.25'], ['gid', '77'], ['linkpath', 'ignored-for-files']])),
    file('second', 'data'),
    file('third', '', { uid: 5 }),
  );
  const e = parse(buf);
  assert.deepEqual(e.map((x) => x.name), ['first', 'renamed/second', 'third']);
  assert.equal(e[0]?.uid, 1234);
  assert.equal(e[1]?.uid, 1234, 'the global header applies to later entries too');
  assert.equal(e[1]?.gid, 77);
  assert.equal(e[1]?.mtime, 1700000000.25);
  assert.equal(e[1]?.data.toString(), 'data');
  assert.equal(e[2]?.uid, 1234);
});

test('tar reader: an empty PAX value deletes a global record for the entry (POSIX)', () => {
  const buf = tar(
    rawEntry('g', 'pax_global_header', paxBody([['uid', '1234']])),
    rawEntry('x', 'PaxHeaders/third', paxBody([['uid', '']])),
    file('third', '', { uid: 5 }),
  );
  assert.equal(parse(buf)[0]?.uid, 5);
});

test('tar reader: GNU long name and long link entries (L, K)', () => {
  const longName = `gnu/${'n'.repeat(180)}`;
  const longLink = `${'k'.repeat(180)}`;
  const buf = tar(
    rawEntry('L', '././@LongLink', Buffer.from(`${longName}\0`)),
    rawEntry('K', '././@LongLink', Buffer.from(`${longLink}\0`)),
    hdr({ name: longName.slice(0, 99), type: 'symlink', linkname: longLink.slice(0, 99) }),
    file('short'),
  );
  const e = parse(buf);
  assert.deepEqual(e.map((x) => [x.name, x.linkname]), [[longName, longLink], ['short', '']]);
});

test('tar reader: what GNU tar writes (gnu, ustar, pax formats, base-256 ids) reads back', (t) => {
  const base = tempRoot(t);
  const src = join(base, 'src');
  const deep = join(src, 'd'.repeat(90), 'e'.repeat(90));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'f'.repeat(120)), 'long');
  writeFileSync(join(src, 'small'), 'small');
  chownSync(join(src, 'small'), 3_000_000, 4_000_000);
  symlinkSync('x'.repeat(150), join(src, 'longlink'));
  const longFile = `./${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}`;
  for (const format of ['gnu', 'pax', 'oldgnu']) {
    const buf = execFileSync('tar', ['--numeric-owner', `--format=${format}`, '-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
    const e = new Map(parse(buf, 1000).map((x) => [x.name, x]));
    assert.equal(e.get(longFile)?.data.toString(), 'long', `${format}: long path`);
    assert.equal(e.get('./longlink')?.linkname, 'x'.repeat(150), `${format}: long link target`);
    assert.deepEqual([e.get('./small')?.uid, e.get('./small')?.gid], [3_000_000, 4_000_000], `${format}: ids over 7 octal digits`);
    assert.equal(e.get('./')?.type, 'directory');
  }
});

test('tar reader: corrupt input is refused with TarError', () => {
  const good = tar(file('a', 'x'));
  const badSum = Buffer.from(good);
  badSum[0] = 0x62; // "b": the name changes, the checksum does not
  assert.throws(() => parse(badSum), (err: unknown) => err instanceof TarError && /invalid tar header checksum \(entry 1\)/.test(err.message));
  assert.throws(() => parse(tar(file('a', 'x'.repeat(1000))).subarray(0, 600)), /unexpected end of data: the tar stream is truncated/);
  assert.throws(() => parse(Buffer.concat([file('a', 'x'), Buffer.alloc(100, 1)])), /a partial tar header at the end/);
  assert.throws(() => parse(tar(rawEntry('x', 'PaxHeaders/a', Buffer.from('garbage without length\n')), file('a'))), /malformed PAX header record/);
  assert.throws(() => parse(tar(rawEntry('x', 'PaxHeaders/a', paxBody([['size', 'lots']])), file('a'))), /invalid size in PAX header for "a"/);
  // A base-256 size beyond 2^53 cannot be trusted.
  const big = Buffer.from(hdr({ name: 'big', type: 'file' }));
  big.fill(0xff, 124, 136);
  big[124] = 0x80 | 0x7f;
  fixChecksum(big);
  assert.throws(() => parse(Buffer.concat([big, TAR_END])), /invalid entry size in tar header \(entry 1\)/);
  // A metadata entry of absurd size is refused before it is buffered.
  const hugePax = Buffer.from(hdr({ name: 'PaxHeaders/x', type: 'file', size: 65 << 20 }));
  hugePax.write('x', 156, 1, 'latin1');
  fixChecksum(hugePax);
  assert.throws(() => parse(hugePax), /pax header of \d+ bytes is too large/);
});

test('tar reader: data after the end marker is ignored; a missing end marker is tolerated', () => {
  assert.deepEqual(parse(Buffer.concat([tar(file('a', 'x')), Buffer.from('trailing junk')])).map((x) => x.name), ['a']);
  assert.deepEqual(parse(file('a', 'x')).map((x) => x.name), ['a']);
  assert.deepEqual(parse(Buffer.alloc(0)), []);
  // One zero block where the stream ends is an end too, whole or cut short.
  const zero = Buffer.alloc(512);
  assert.deepEqual(parse(Buffer.concat([file('a', 'x'), zero])).map((x) => x.name), ['a']);
  assert.deepEqual(parse(Buffer.concat([file('a', 'x'), zero, zero.subarray(0, 100)]), 700).map((x) => x.name), ['a']);
  // A header after a lone zero block is refused, as Go's archive/tar does (GNU tar would stop there
  // and drop what follows), however the blocks fall across chunks.
  for (const chunk of [512 * 3, 100, 1]) {
    assert.throws(() => parse(Buffer.concat([file('a', 'x'), zero, file('b', 'y'), TAR_END]), chunk), /a lone zero block before entry 2: the archive is corrupt/);
  }
});

test('tar reader: the data of an entry of unknown type is skipped, as Go archive/tar and GNU tar do', (t) => {
  const unknown = rawEntry('Z', 'vendor', Buffer.from('opaque vendor data'));
  assert.deepEqual(parse(tar(unknown, file('after', 'hi'))).map((x) => x.name), ['vendor', 'after']);
  // GNU sparse files (type S) carry data too.
  const base = tempRoot(t);
  writeFileSync(join(base, 'sparse'), '');
  execFileSync('truncate', ['-s', '2M', join(base, 'sparse')]);
  writeFileSync(join(base, 'sparse'), 'x', { flag: 'a' });
  writeFileSync(join(base, 'after'), 'hi');
  const buf = execFileSync('tar', ['-S', '--format=gnu', '-C', base, '-cf', '-', 'sparse', 'after']);
  assert.equal(String.fromCharCode(buf[156] as number), 'S');
  assert.equal(parse(buf).find((x) => x.name === 'after')?.data.toString(), 'hi');
});

// ---------------------------------------------------------------------------------------------
// compression

test('detectCompression: by magic bytes', () => {
  assert.equal(detectCompression(gzipSync('x')), 'gzip');
  assert.equal(detectCompression(zstdCompressSync('x')), 'zstd');
  assert.equal(detectCompression(tar(file('a'))), 'none');
  assert.equal(detectCompression(Buffer.from([0x1f])), 'none');
  assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f])), 'none');
  assert.equal(detectCompression(Buffer.alloc(0)), 'none');
});

test('decompress: plain, gzip and zstd give the same bytes, however the input is chunked', async () => {
  const plain = tar(file('a', 'x'.repeat(5000)), file('b', 'y'));
  for (const input of [plain, gzipSync(plain), zstdCompressSync(plain)]) {
    assert.deepEqual(await collect(decompress(Readable.from([input]))), plain);
    const bytes = [...input].map((b) => Buffer.from([b]));
    assert.deepEqual(await collect(decompress(Readable.from(bytes))), plain, 'one byte at a time');
  }
  assert.deepEqual(await collect(decompress(Readable.from([Buffer.from('ab')]))), Buffer.from('ab'), 'shorter than any magic');
  assert.deepEqual(await collect(decompress(Readable.from([]))), Buffer.alloc(0));
});

test('compress → decompress round trip, gzip and zstd', async () => {
  const plain = tar(file('a', 'z'.repeat(100_000)));
  for (const kind of ['gzip', 'zstd'] as const) {
    const c = await collect(compress(Readable.from([plain]), kind));
    assert.equal(detectCompression(c), kind);
    assert.ok(c.length < plain.length);
    assert.deepEqual(await collect(decompress(Readable.from([c]))), plain);
  }
});

test('decompress: a truncated or corrupt stream is an error that names the compression', async () => {
  const plain = tar(file('a', 'hello'.repeat(1000)));
  const gz = gzipSync(plain);
  await assert.rejects(collect(decompress(Readable.from([gz.subarray(0, gz.length >> 1)]))), /gzip stream is corrupt or truncated/);
  const corrupt = Buffer.from(gz);
  corrupt[20] = (corrupt[20] as number) ^ 0xff;
  await assert.rejects(collect(decompress(Readable.from([corrupt]))), /gzip stream is corrupt or truncated/);
  const zst = zstdCompressSync(plain);
  await assert.rejects(collect(decompress(Readable.from([zst.subarray(0, zst.length - 8)]))), /zstd stream is corrupt or truncated/);
});

test('decompress: stopping early closes the input', async () => {
  for (const wrap of [(b: Buffer) => b, (b: Buffer) => gzipSync(b)]) {
    let closed = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        const whole = wrap(Buffer.alloc(1 << 20, 7));
        for (let i = 0; i < whole.length; i += 1000) yield whole.subarray(i, i + 1000);
      } finally {
        closed = true;
      }
    }
    for await (const c of decompress(source())) {
      assert.ok(c.length > 0);
      break;
    }
    await new Promise((r) => setImmediate(r));
    assert.ok(closed, 'the source generator was returned');
  }
});

// ---------------------------------------------------------------------------------------------
// paths

test('cleanEntryPath: normalises, takes absolute names relative to the root, refuses climbing', () => {
  const refuse = (why: string): BerthError => layerError('layer', 'x', why);
  const cases: [string, string][] = [
    ['a/b', 'a/b'], ['./a/b/', 'a/b'], ['a//b/./c', 'a/b/c'], ['/etc/x', 'etc/x'], ['///etc/x', 'etc/x'],
    ['a/../b', 'b'], ['a/..', ''], ['.', ''], ['./', ''], ['/', ''], ['', ''], ['..foo/bar', '..foo/bar'], ['a/..b', 'a/..b'],
  ];
  for (const [input, want] of cases) assert.equal(cleanEntryPath(input, refuse), want, input);
  for (const bad of ['..', '../', '../escape', 'a/../../escape', './../x', '/../etc/passwd', 'a/b/../../../c']) {
    assert.throws(() => cleanEntryPath(bad, refuse), /layer entry "x": path escapes the layer root/, bad);
  }
  assert.throws(() => cleanEntryPath('a\0b', refuse), /the name contains a NUL byte/);
});

test('ensureParents: creates missing parents, refuses symlinked or non-directory parents', (t) => {
  const root = tempRoot(t);
  const refuse = (why: string): BerthError => layerError('layer', 'e', why);
  const created = new Set<string>();
  const known = new Set<string>();
  ensureParents(root, 'a/b/c/file', refuse, created, known);
  assert.ok(lstatSync(join(root, 'a/b/c')).isDirectory());
  assert.deepEqual([...created].sort(), ['a', 'a/b', 'a/b/c']);
  assert.deepEqual([...known].sort(), ['a', 'a/b', 'a/b/c']);
  ensureParents(root, 'top', refuse); // no parent: nothing to do
  symlinkSync('/', join(root, 'a', 'sym'));
  assert.throws(() => ensureParents(root, 'a/sym/etc/x', refuse), /layer entry "e": its parent "a\/sym" is a symbolic link/);
  assert.equal(existsSync(join(root, 'a', 'sym', 'etc', 'x')), false);
  writeFileSync(join(root, 'a', 'plain'), '');
  assert.throws(() => ensureParents(root, 'a/plain/x', refuse), /its parent "a\/plain" is not a directory/);
});

test('layerError: an InvalidArgument naming the layer and the entry', () => {
  const e = layerError('layer sha256:abc', 'etc/"quoted"', 'why');
  assert.ok(e instanceof BerthError);
  assert.equal(e.kind, 'InvalidArgument');
  assert.equal(e.subject, 'etc/"quoted"');
  assert.equal(e.message, 'layer sha256:abc entry "etc/\\"quoted\\"": why');
});

// ---------------------------------------------------------------------------------------------
// applyLayer: what lands on disk

test('applyLayer: files, dirs, symlinks, hard links, FIFOs, devices with owner, mode and mtime', async (t) => {
  const { target } = workspace(t);
  const layer = tar(
    dir('./', { mode: 0o755 }),
    dir('bin', { mode: 0o755, mtime: MTIME + 10 }),
    file('bin/su', 'su binary', { mode: 0o4755, uid: 0, gid: 0, mtime: MTIME + 11 }),
    file('bin/wall', 'wall', { mode: 0o2755, uid: 0, gid: 5 }),
    dir('tmp', { mode: 0o1777, mtime: MTIME + 12 }),
    dir('home/user', { mode: 0o700, uid: 1000, gid: 1000 }),
    file('home/user/notes', 'mine', { mode: 0o600, uid: 1000, gid: 1000, mtime: MTIME - 100 }),
    hdr({ name: 'bin/sh', type: 'symlink', linkname: 'busybox', uid: 1, gid: 2, mtime: MTIME + 13 }),
    hdr({ name: 'abs', type: 'symlink', linkname: '/etc/passwd' }),
    hdr({ name: 'bin/su-link', type: 'link', linkname: 'bin/su' }),
    hdr({ name: 'pipe', type: 'fifo', mode: 0o620, uid: 3, gid: 4, mtime: MTIME + 14 }),
    hdr({ name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 }),
    hdr({ name: 'dev/loop7', type: 'block', devmajor: 7, devminor: 7, mode: 0o660, gid: 6 }),
  );
  const r = await apply(target, layer);
  assert.equal(r.diffId, sha256(layer));
  assert.equal(r.size, layer.length);
  assert.equal(r.contentSize, 'su binary'.length + 'wall'.length + 'mine'.length);
  const st = (p: string): Stats => lstatSync(join(target, p));
  assert.equal(st('bin/su').mode & 0o7777, 0o4755, 'setuid kept (mode is set after chown)');
  assert.equal(st('bin/wall').mode & 0o7777, 0o2755, 'setgid kept');
  assert.equal(st('bin/wall').gid, 5);
  assert.equal(st('tmp').mode & 0o7777, 0o1777, 'sticky kept');
  assert.deepEqual([st('home/user').uid, st('home/user').gid, st('home/user').mode & 0o7777], [1000, 1000, 0o700]);
  assert.deepEqual([st('home/user/notes').uid, st('home/user/notes').mode & 0o7777], [1000, 0o600]);
  assert.equal(readFileSync(join(target, 'home/user/notes'), 'utf8'), 'mine');
  assert.equal(st('home/user/notes').mtimeMs, (MTIME - 100) * 1000);
  assert.equal(st('bin/su').mtimeMs, (MTIME + 11) * 1000);
  assert.equal(st('bin').mtimeMs, (MTIME + 10) * 1000, 'directory mtimes are set after their contents');
  assert.equal(st('tmp').mtimeMs, (MTIME + 12) * 1000);
  assert.equal(readlinkSync(join(target, 'bin/sh')), 'busybox');
  assert.deepEqual([st('bin/sh').uid, st('bin/sh').gid, st('bin/sh').mtimeMs], [1, 2, (MTIME + 13) * 1000]);
  assert.equal(readlinkSync(join(target, 'abs')), '/etc/passwd', 'symlink targets are stored, not resolved');
  assert.equal(st('bin/su-link').ino, st('bin/su').ino, 'a hard link shares the inode');
  assert.equal(st('bin/su').nlink, 2);
  assert.ok(st('pipe').isFIFO());
  assert.deepEqual([st('pipe').mode & 0o7777, st('pipe').uid, st('pipe').gid, st('pipe').mtimeMs], [0o620, 3, 4, (MTIME + 14) * 1000]);
  assert.ok(st('dev/null').isCharacterDevice());
  assert.equal(BigInt(st('dev/null').rdev), makeDev(1, 3));
  assert.equal(st('dev/null').mode & 0o7777, 0o666);
  assert.ok(st('dev/loop7').isBlockDevice());
  assert.equal(BigInt(st('dev/loop7').rdev), makeDev(7, 7));
  assert.equal(st('dev').mode & 0o7777, 0o755, 'implicit parents are 0755');
  assert.equal(lstatSync(target).mode & 0o7777, 0o755, 'the "./" entry sets the root');
});

test('applyLayer into a new directory (the store\'s unpack): owners and modes exact without the calls it skips', async (t) => {
  // There a file made as root already has root's owner, and open(2) its permission bits when the
  // umask lets it; a setgid directory (the layer's own, or the target) makes every owner explicit.
  const layer = tar(
    file('root-owned', 'r', { mode: 0o644 }),
    file('shared-mode', 's', { mode: 0o666 }),
    file('read-only', 'o', { mode: 0o444 }),
    file('setuid', 'x', { mode: 0o4755 }),
    file('user-owned', 'u', { mode: 0o640, uid: 1000, gid: 1001 }),
    dir('team', { mode: 0o2775, gid: 50 }),
    file('team/root-file', 't', { mode: 0o644 }),
    file('after-team', 'a', { mode: 0o644 }),
  );
  const check = (target: string): void => {
    const st = (p: string): [number, number, number] => {
      const s = lstatSync(join(target, p));
      return [s.uid, s.gid, s.mode & 0o7777];
    };
    assert.deepEqual(st('root-owned'), [0, 0, 0o644]);
    assert.deepEqual(st('shared-mode'), [0, 0, 0o666], 'the umask does not narrow a mode');
    assert.deepEqual(st('read-only'), [0, 0, 0o444]);
    assert.deepEqual(st('setuid'), [0, 0, 0o4755]);
    assert.deepEqual(st('user-owned'), [1000, 1001, 0o640]);
    assert.deepEqual(st('team'), [0, 50, 0o2775]);
    assert.deepEqual(st('team/root-file'), [0, 0, 0o644], 'a file in a setgid directory keeps the group the layer gives it');
    assert.deepEqual(st('after-team'), [0, 0, 0o644]);
  };
  const plain = workspace(t).target;
  await apply(plain, layer, { whiteouts: 'overlay' });
  check(plain);
  // A setgid target: its group must not leak into the layer's root-owned files either.
  const setgid = workspace(t).target;
  chownSync(setgid, 0, 60);
  chmodSync(setgid, 0o2775);
  await apply(setgid, layer, { whiteouts: 'overlay' });
  check(setgid);
  // Nor a root made setgid by the layer's own "./" entry.
  const own = workspace(t).target;
  await apply(own, tar(dir('./', { mode: 0o2755, gid: 50 }), file('f', 'x', { mode: 0o644 })), { whiteouts: 'overlay' });
  assert.deepEqual([lstatSync(join(own, 'f')).uid, lstatSync(join(own, 'f')).gid], [0, 0]);
});

test('applyLayer: long names (PAX path over 100 bytes) and uid/gid beyond ustar', async (t) => {
  const { target } = workspace(t);
  const long = `${'p'.repeat(120)}/${'q'.repeat(200)}`;
  const layer = tar(file(long, 'deep', { uid: 3_000_000, gid: 3_000_001 }), hdr({ name: `${'r'.repeat(150)}`, type: 'symlink', linkname: long }));
  assert.ok(layer.toString('latin1').includes(` path=${long}\n`));
  await apply(target, layer);
  assert.equal(readFileSync(join(target, long), 'utf8'), 'deep');
  assert.deepEqual([lstatSync(join(target, long)).uid, lstatSync(join(target, long)).gid], [3_000_000, 3_000_001]);
  assert.equal(readFileSync(join(target, 'r'.repeat(150)), 'utf8'), 'deep', 'the long symlink target resolves inside the tree');
});

test('applyLayer: the security.capability xattr is kept (set after chown, which would clear it)', async (t) => {
  const { target } = workspace(t);
  const layer = tar(
    file('bin/ping', 'ping', { mode: 0o755, uid: 0, gid: 0, xattrs: new Map([['security.capability', CAP_NET_BIND_SERVICE]]) }),
    file('bin/owned', 'x', { mode: 0o755, uid: 1000, gid: 1000, xattrs: new Map([['security.capability', CAP_NET_BIND_SERVICE], ['user.note', Buffer.from('hi')]]) }),
    dir('etc', { xattrs: new Map([['user.dir', Buffer.from([0, 1, 2])]]) }),
  );
  await apply(target, layer);
  assert.deepEqual(lgetxattr(join(target, 'bin/ping'), 'security.capability'), CAP_NET_BIND_SERVICE);
  assert.deepEqual(lgetxattr(join(target, 'bin/owned'), 'security.capability'), CAP_NET_BIND_SERVICE);
  assert.deepEqual(lgetxattr(join(target, 'bin/owned'), 'user.note'), Buffer.from('hi'));
  assert.deepEqual(lgetxattr(join(target, 'etc'), 'user.dir'), Buffer.from([0, 1, 2]));
  assert.equal(lstatSync(join(target, 'bin/owned')).uid, 1000);
});

test('applyLayer: the capability from a GNU tar --xattrs archive is kept', async (t) => {
  const base = tempRoot(t);
  const src = join(base, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'ping'), 'ping');
  chmodSync(join(src, 'ping'), 0o755);
  lsetxattr(join(src, 'ping'), 'security.capability', CAP_NET_BIND_SERVICE);
  const layer = execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '--format=pax', '-C', src, '-cf', '-', 'ping']);
  assert.ok(layer.includes('SCHILY.xattr.security.capability='));
  const target = join(base, 'target');
  mkdirSync(target);
  await apply(target, layer);
  assert.deepEqual(lgetxattr(join(target, 'ping'), 'security.capability'), CAP_NET_BIND_SERVICE);
});

test('applyLayer: gzip and zstd layers give the diff ID of the uncompressed tar', async (t) => {
  const base = tempRoot(t);
  const layer = tar(dir('d'), file('d/a', 'a'.repeat(10_000)), hdr({ name: 'd/l', type: 'symlink', linkname: 'a' }));
  const want = sha256(layer);
  const results: string[] = [];
  for (const [i, input] of [layer, gzipSync(layer), zstdCompressSync(layer), await collect(compress(Readable.from([layer]), 'zstd'))].entries()) {
    const target = join(base, `t${i}`);
    mkdirSync(target);
    // Many small chunks: detection must work across chunk boundaries.
    const chunks: Buffer[] = [];
    for (let o = 0; o < input.length; o += 3) chunks.push(input.subarray(o, o + 3));
    const r = await apply(target, chunks);
    assert.equal(r.diffId, want);
    assert.equal(r.size, layer.length);
    results.push(JSON.stringify(snapshot(target)));
  }
  assert.equal(new Set(results).size, 1, 'the same tree every time');
});

test('applyLayer and checkLayer from a file: plain (read in reused chunks) or compressed, the same tree and diff ID as from a stream', async (t) => {
  const base = tempRoot(t);
  // Over several 1 MiB chunks, with PAX records and long names wherever the chunk boundaries fall.
  const big = Buffer.alloc(2.5 * 1024 * 1024, 7);
  const entries = [dir('d')];
  for (let i = 0; i < 40; i++) entries.push(file(`d/${'n'.repeat(120)}/${'f'.repeat(110)}${i}`, big.subarray(0, 65_536 + i * 1000), { xattrs: new Map([['user.i', Buffer.from(String(i))]]) }));
  entries.push(file('d/big', big));
  const layer = tar(...entries.slice(0, 1), dir(`d/${'n'.repeat(120)}`), ...entries.slice(1));
  const fromStream = join(base, 'stream');
  mkdirSync(fromStream);
  const want = await apply(fromStream, layer, { whiteouts: 'overlay' });
  assert.equal(want.diffId, sha256(layer));
  for (const [name, bytes] of [['plain', layer], ['gzip', gzipSync(layer)]] as const) {
    const path = join(base, `${name}.tar`);
    writeFileSync(path, bytes);
    const target = join(base, name);
    mkdirSync(target);
    const fh = await open(path, 'r');
    try {
      assert.deepEqual(await applyLayer({ file: fh }, target, { whiteouts: 'overlay' }), want, name);
      assert.deepEqual(await checkLayer({ file: fh }, {}), want, `${name}: check`);
    } finally {
      await fh.close();
    }
    assert.deepEqual(snapshot(target), snapshot(fromStream), `${name}: the same tree`);
  }
});

test('applyLayer: expectedDiffId is checked', async (t) => {
  const base = tempRoot(t);
  const layer = tar(file('a', 'x'));
  mkdirSync(join(base, 'ok'));
  assert.equal((await apply(join(base, 'ok'), layer, { expectedDiffId: sha256(layer) as `sha256:${string}` })).diffId, sha256(layer));
  mkdirSync(join(base, 'bad'));
  const wrong = `sha256:${'0'.repeat(64)}` as const;
  await rejectsWith(
    apply(join(base, 'bad'), gzipSync(layer), { expectedDiffId: wrong, what: 'layer sha256:feed' }),
    new RegExp(`^layer sha256:feed: diff ID mismatch: expected ${wrong}, got ${sha256(layer)}$`),
  );
});

test('applyLayer: an empty stream is not a layer; a tar of just the end marker is', async (t) => {
  const base = tempRoot(t);
  mkdirSync(join(base, 'a'));
  mkdirSync(join(base, 'b'));
  await rejectsWith(apply(join(base, 'a'), Buffer.alloc(0), { what: 'layer 3' }), /^layer 3: the layer is empty \(not a tar stream\)$/);
  const r = await apply(join(base, 'b'), TAR_END);
  assert.equal(r.diffId, sha256(TAR_END));
  assert.deepEqual(readdirSync(join(base, 'b')), []);
});

test('applyLayer: later entries replace earlier ones of any type, never following a symlink', async (t) => {
  const { target, sentinel, untouched } = workspace(t);
  symlinkSync(sentinel, join(target, 'was-link'));
  symlinkSync(join(sentinel, 'keep'), join(target, 'file-link'));
  mkdirSync(join(target, 'was-dir', 'sub'), { recursive: true });
  writeFileSync(join(target, 'was-file'), 'old');
  await apply(target, tar(
    dir('was-link'), // a directory over a symlink: the link goes, a directory comes
    file('was-link/inside', 'in'),
    file('file-link', 'new content'), // a file over a symlink to a file outside: the link is replaced
    file('was-dir', 'now a file'),
    dir('was-file'),
    file('twice', 'one'),
    file('twice', 'two'),
  ));
  assert.ok(lstatSync(join(target, 'was-link')).isDirectory());
  assert.equal(readFileSync(join(target, 'was-link', 'inside'), 'utf8'), 'in');
  assert.ok(lstatSync(join(target, 'file-link')).isFile());
  assert.equal(readFileSync(join(target, 'file-link'), 'utf8'), 'new content');
  assert.equal(readFileSync(join(target, 'was-dir'), 'utf8'), 'now a file');
  assert.ok(lstatSync(join(target, 'was-file')).isDirectory());
  assert.equal(readFileSync(join(target, 'twice'), 'utf8'), 'two');
  untouched();
});

// ---------------------------------------------------------------------------------------------
// applyLayer: whiteouts

test('whiteouts, overlay mode: .wh.NAME becomes a 0/0 char device, .wh..wh..opq marks the dir opaque', async (t) => {
  const { target } = workspace(t);
  await apply(target, tar(
    file('foo', 'written first'),
    file('.wh.foo'),
    dir('d'),
    file('d/.wh..wh..opq'),
    file('d/kept', 'k'),
    file('d/.wh.gone'),
    file('deeper/.wh.x'),
  ), { whiteouts: 'overlay' });
  for (const p of ['foo', 'd/gone', 'deeper/x']) {
    const st = lstatSync(join(target, p));
    assert.ok(st.isCharacterDevice(), `${p} is a whiteout`);
    assert.equal(st.rdev, 0, `${p} is 0/0`);
  }
  assert.deepEqual(lgetxattr(join(target, 'd'), 'trusted.overlay.opaque'), Buffer.from('y'));
  assert.equal(readFileSync(join(target, 'd', 'kept'), 'utf8'), 'k');
  const names = readdirSync(target, { recursive: true }) as string[];
  assert.ok(!names.some((n) => n.includes('.wh.')), `no .wh. entries on disk: ${names.join(', ')}`);
});

test('whiteouts, apply mode: .wh.NAME deletes, an opaque marker empties the directory of older content', async (t) => {
  const { target, sentinel, untouched } = workspace(t);
  writeFileSync(join(target, 'foo'), 'old');
  mkdirSync(join(target, 'gone-dir', 'sub'), { recursive: true });
  writeFileSync(join(target, 'gone-dir', 'sub', 'f'), 'x');
  mkdirSync(join(target, 'd', 'old2', 'sub'), { recursive: true });
  writeFileSync(join(target, 'd', 'old1'), 'x');
  mkdirSync(join(target, 'e'));
  writeFileSync(join(target, 'e', 'old'), 'x');
  symlinkSync(sentinel, join(target, 'link-out'));
  await apply(target, tar(
    file('.wh.foo'),
    file('.wh.gone-dir'),
    file('.wh.link-out'), // removes the link itself, not what it points to
    file('.wh.never-existed'),
    dir('d'),
    file('d/.wh..wh..opq'),
    file('d/new', 'n'),
    file('e/mine', 'm'), // written by this layer before the marker: kept
    file('e/.wh..wh..opq'),
  ));
  assert.deepEqual(readdirSync(target).sort(), ['d', 'e']);
  assert.deepEqual(readdirSync(join(target, 'd')), ['new']);
  assert.deepEqual(readdirSync(join(target, 'e')), ['mine']);
  assert.equal(lgetxattr(join(target, 'd'), 'trusted.overlay.opaque'), undefined, 'no overlay xattrs in apply mode');
  untouched();
});

// ---------------------------------------------------------------------------------------------
// applyLayer: hostile input. Each is refused with an error naming the entry, and nothing is
// written outside the target.

test('hostile: ../escape is refused', async (t) => {
  const w = workspace(t);
  await rejectsWith(apply(w.target, tar(file('../escape', 'x')), { what: 'layer L' }), /^layer L entry "\.\.\/escape": path escapes the layer root$/);
  await rejectsWith(apply(w.target, tar(dir('a'), file('a/../../escape', 'x'))), /entry "a\/\.\.\/\.\.\/escape": path escapes/);
  await rejectsWith(apply(w.target, tar(file('../sentinel/keep', 'pwned'))), /entry "\.\.\/sentinel\/keep": path escapes/);
  w.untouched();
});

test('hostile: an absolute path /etc/x is confined inside the target (as Docker does)', async (t) => {
  const w = workspace(t);
  const name = `berth-unit-${process.pid}-${Date.now()}`;
  assert.equal(existsSync(`/etc/${name}`), false);
  await apply(w.target, tar(file(`/etc/${name}`, 'inside'), hdr({ name: `/${name}-link`, type: 'link', linkname: `/etc/${name}` })));
  assert.equal(readFileSync(join(w.target, 'etc', name), 'utf8'), 'inside');
  assert.equal(lstatSync(join(w.target, `${name}-link`)).ino, lstatSync(join(w.target, 'etc', name)).ino);
  assert.equal(existsSync(`/etc/${name}`), false, 'nothing written to the host /etc');
  assert.equal(existsSync(`/${name}-link`), false);
  // Climbing above "/" is refused rather than clamped.
  await rejectsWith(apply(w.target, tar(file(`/../etc/${name}`, 'x'))), /path escapes the layer root/);
  w.untouched();
});

test('hostile: a symlink to outside, then an entry through it, is refused', async (t) => {
  const w = workspace(t);
  for (const [i, linkname] of [w.sentinel, '../sentinel', '/tmp/outside'].entries()) {
    const link = `link${i}`;
    await rejectsWith(
      apply(w.target, tar(hdr({ name: link, type: 'symlink', linkname }), file(`${link}/file`, 'pwned'))),
      new RegExp(`entry "${link}/file": its parent "${link}" is a symbolic link`),
    );
    // A whiteout or an opaque marker through the link must not delete outside either.
    await rejectsWith(apply(w.target, tar(file(`${link}/.wh.keep`))), new RegExp(`entry "${link}/\\.wh\\.keep": its parent "${link}" is a symbolic link`));
    await rejectsWith(apply(w.target, tar(file(`${link}/.wh..wh..opq`)), { whiteouts: 'overlay' }), /is a symbolic link/);
    await rejectsWith(apply(w.target, tar(hdr({ name: `${link}/sub`, type: 'directory' }))), /is a symbolic link/);
  }
  assert.equal(existsSync('/tmp/outside/file'), false);
  w.untouched();
});

test('hostile: hard links to outside the root, through a symlink, or to a directory are refused', async (t) => {
  const w = workspace(t);
  await rejectsWith(
    apply(w.target, tar(hdr({ name: 'hl', type: 'link', linkname: '../outside' })), { what: 'layer H' }),
    /^layer H entry "hl": hard link target "\.\.\/outside": path escapes the layer root$/,
  );
  await rejectsWith(apply(w.target, tar(hdr({ name: 'hl', type: 'link', linkname: '../sentinel/keep' }))), /entry "hl": hard link target "\.\.\/sentinel\/keep": path escapes/);
  await rejectsWith(
    apply(w.target, tar(hdr({ name: 'up', type: 'symlink', linkname: '..' }), hdr({ name: 'hl', type: 'link', linkname: 'up/sentinel/keep' }))),
    /entry "hl": hard link target "up\/sentinel\/keep": its parent "up" is a symbolic link/,
  );
  await rejectsWith(apply(w.target, tar(dir('d'), hdr({ name: 'hl', type: 'link', linkname: 'd' }))), /entry "hl": hard link target "d": it is a directory/);
  await rejectsWith(apply(w.target, tar(hdr({ name: 'hl', type: 'link', linkname: 'missing' }))), /entry "hl": hard link target "missing": it does not exist in the layer/);
  await rejectsWith(apply(w.target, tar(hdr({ name: 'hl', type: 'link', linkname: '/' }))), /entry "hl": hard link target "\/": it is the layer root/);
  // An absolute hard link target is taken inside the root, like an absolute name.
  await apply(w.target, tar(file('etc/passwd', 'layer passwd'), hdr({ name: 'hl', type: 'link', linkname: '/etc/passwd' })));
  assert.equal(lstatSync(join(w.target, 'hl')).ino, lstatSync(join(w.target, 'etc/passwd')).ino);
  // A hard link to a symlink pointing outside links the symlink, and writes nothing through it.
  await apply(w.target, tar(hdr({ name: 'out', type: 'symlink', linkname: join(w.sentinel, 'keep') }), hdr({ name: 'hl2', type: 'link', linkname: 'out' })));
  assert.ok(lstatSync(join(w.target, 'hl2')).isSymbolicLink());
  w.untouched();
});

test('hostile: an absurd size in a header, then the stream ends: "truncated"', async (t) => {
  const w = workspace(t);
  // 8 GiB: a PAX size record; 0o77777777777: the largest ustar size field.
  for (const size of [8 * 2 ** 30, 0o77777777777]) {
    const layer = Buffer.concat([hdr({ name: 'huge', type: 'file', size }), Buffer.alloc(4096, 0x41)]);
    await rejectsWith(apply(w.target, layer, { what: 'layer Z' }), /^layer Z: invalid or truncated tar stream(?: in entry "[^"]*")?: unexpected end of data: the tar stream is truncated$/);
    await rejectsWith(apply(w.target, gzipSync(layer), { what: 'layer Z' }), /truncated/);
  }
  w.untouched();
});

test('hostile: the "truncated" error names the entry it stopped in', async (t) => {
  const w = workspace(t);
  const layer = Buffer.concat([hdr({ name: 'huge', type: 'file', size: 8 * 2 ** 30 }), Buffer.alloc(4096)]);
  await rejectsWith(apply(w.target, layer), /"huge".*truncated|truncated.*"huge"/);
});

test('hostile: a truncated gzip or zstd layer', async (t) => {
  const w = workspace(t);
  const layer = tar(file('a', 'hello world '.repeat(2000)), file('b', 'x'));
  const gz = gzipSync(layer);
  for (const cut of [10, gz.length >> 1, gz.length - 4]) {
    await rejectsWith(apply(w.target, gz.subarray(0, cut), { what: 'layer G' }), /^layer G: invalid or truncated tar stream(?: in entry "[^"]*")?: gzip stream is corrupt or truncated: /);
  }
  const zst = zstdCompressSync(layer);
  await rejectsWith(apply(w.target, zst.subarray(0, zst.length >> 1)), /zstd stream is corrupt or truncated/);
  w.untouched();
});

test('hostile: a bad header checksum', async (t) => {
  const w = workspace(t);
  const layer = tar(file('a', 'x'), file('b', 'y'));
  layer[1024 + 10] = 0x41; // in the second header's name
  await rejectsWith(apply(w.target, layer, { what: 'layer C' }), /^layer C: invalid or truncated tar stream(?: in entry "[^"]*")?: invalid tar header checksum \(entry 2\); the stream is not a tar archive or is corrupt$/);
  await rejectsWith(apply(w.target, Buffer.from('this is not a tar stream, just text '.repeat(30))), /invalid tar header checksum \(entry 1\)/);
  w.untouched();
});

test('hostile: reserved overlay xattrs and NUL bytes in names are refused', async (t) => {
  const w = workspace(t);
  await rejectsWith(
    apply(w.target, tar(dir('d', { xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')]]) }))),
    /entry "d\/": it sets the reserved attribute trusted\.overlay\.opaque/,
  );
  await rejectsWith(
    apply(w.target, tar(file('f', 'x', { xattrs: new Map([['trusted.overlay.redirect', Buffer.from('/etc')]]) }))),
    /entry "f": it sets the reserved attribute trusted\.overlay\.redirect/,
  );
  const nul = `${'n'.repeat(120)}\0evil`; // one component over 100 bytes: carried whole in a PAX path record
  await rejectsWith(apply(w.target, tar(file(nul, 'x'))), /the name contains a NUL byte/);
  w.untouched();
});

test('hostile: a whiteout named .wh... (for "..") must not delete the target\'s parent', async (t) => {
  for (const mode of ['apply', 'overlay'] as const) {
    const w = workspace(t);
    await rejectsWith(apply(w.target, tar(file('.wh...')), { whiteouts: mode }), /entry "\.wh\.\.\."/);
    w.untouched();
  }
});

test('hostile: whiteouts named .wh.. and .wh. (for "." and "") must not remove the target or a whole directory', async (t) => {
  for (const [name, mode] of [['.wh..', 'overlay'], ['.wh..', 'apply'], ['a/.wh.', 'apply'], ['a/.wh...', 'apply']] as const) {
    const w = workspace(t);
    mkdirSync(join(w.target, 'a'));
    writeFileSync(join(w.target, 'a', 'f'), 'x');
    await assert.rejects(apply(w.target, tar(file(name)), { whiteouts: mode }), new RegExp(`entry "${name.replace(/\./g, '\\.')}"`));
    assert.ok(existsSync(join(w.target, 'a', 'f')), `${name} (${mode}) removed nothing`);
    w.untouched();
  }
});

test('checkLayer: the same diff ID, sizes and refusals as unpacking into a new directory', async (t) => {
  const cases: [string, Buffer][] = [
    ['every entry type', tar(
      dir('bin'), file('bin/su', 'su', { mode: 0o4755 }), hdr({ name: 'bin/sh', type: 'symlink', linkname: 'busybox' }),
      hdr({ name: 'bin/su-link', type: 'link', linkname: 'bin/su' }), hdr({ name: 'pipe', type: 'fifo' }),
      hdr({ name: 'dev/null', type: 'char', devmajor: 1, devminor: 3 }), file('etc/.wh.old'), file('etc/.wh..wh..opq'),
    )],
    ['later entries replace earlier ones', tar(
      dir('x'), file('x/in', 'a'), file('x', 'now a file'), hdr({ name: 'y', type: 'symlink', linkname: '/etc' }), dir('y'), file('y/z', 'ok'),
      file('w', 'w'), file('.wh.w'), file('w', 'again'),
    )],
    ['../escape', tar(file('../escape', 'x'))],
    ['absolute names inside', tar(file('/etc/x', 'inside'), hdr({ name: '/l', type: 'link', linkname: '/etc/x' }))],
    ['an entry through a symlink', tar(hdr({ name: 'link', type: 'symlink', linkname: '/etc' }), file('link/passwd', 'pwned'))],
    ['through a hard-linked symlink', tar(hdr({ name: 'ln', type: 'symlink', linkname: '..' }), hdr({ name: 'hl', type: 'link', linkname: 'ln' }), file('hl/x'))],
    ['a whiteout through a symlink', tar(hdr({ name: 'link', type: 'symlink', linkname: '/etc' }), file('link/.wh.passwd'))],
    ['a file as a parent', tar(file('f', 'x'), file('f/g', 'y'))],
    ['hard link out', tar(hdr({ name: 'hl', type: 'link', linkname: '../outside' }))],
    ['hard link through a symlink', tar(hdr({ name: 'up', type: 'symlink', linkname: '..' }), hdr({ name: 'hl', type: 'link', linkname: 'up/x' }))],
    ['hard link to a directory', tar(dir('d'), hdr({ name: 'hl', type: 'link', linkname: 'd' }))],
    ['hard link to nothing', tar(hdr({ name: 'hl', type: 'link', linkname: 'missing' }))],
    ['hard link to a removed file', tar(file('gone', 'x'), file('.wh.gone'), hdr({ name: 'hl', type: 'link', linkname: 'gone' }))],
    ['hard link to the root', tar(hdr({ name: 'hl', type: 'link', linkname: '/' }))],
    ['a reserved xattr', tar(file('f', 'x', { xattrs: new Map([['trusted.overlay.redirect', Buffer.from('/etc')]]) }))],
    ['a whiteout for ..', tar(file('.wh...'))],
    ['a whiteout for .', tar(file('.wh..'))],
    ['truncated', Buffer.concat([hdr({ name: 'huge', type: 'file', size: 8 * 2 ** 30 }), Buffer.alloc(4096)])],
    ['gzip, truncated', gzipSync(tar(file('a', 'hello '.repeat(5000)))).subarray(0, 200)],
    ['zstd', zstdCompressSync(tar(file('a', 'z'), dir('b')))],
    ['a bad checksum', Buffer.from('this is not a tar stream, just text '.repeat(30))],
    ['empty', Buffer.alloc(0)],
    ['a hard link to itself', tar(file('a', 'x'), hdr({ name: 'a', type: 'link', linkname: 'a' }))],
    ['a hard link into what it replaces', tar(dir('d'), file('d/x', 'x'), hdr({ name: 'd', type: 'link', linkname: 'd/x' }))],
    ['a hard link to a symlink', tar(hdr({ name: 's', type: 'symlink', linkname: '/etc' }), hdr({ name: 'hs', type: 'link', linkname: 's' }))],
    ['a name over 255 bytes', tar(file(`d/${'n'.repeat(256)}`, 'x'))],
    ['a path over 4095 bytes', tar(file(Array.from({ length: 20 }, () => 'p'.repeat(250)).join('/'), 'x'))],
    ['a symlink target over 4095 bytes', tar(hdr({ name: 'l', type: 'symlink', linkname: 't'.repeat(4096) }))],
    ['a uid beyond uid_t', tar(file('u', 'x', { uid: 2 ** 33 }))],
    ['an attribute in no namespace', tar(file('f', 'x', { xattrs: new Map([['nonsense.attr', Buffer.from('v')]]) }))],
    ['a user attribute on a FIFO', tar(hdr({ name: 'p', type: 'fifo', xattrs: new Map([['user.note', Buffer.from('v')]]) }))],
    ['an attribute value over 64 KiB', tar(file('f', 'x', { xattrs: new Map([['user.big', Buffer.alloc(65537)]]) }))],
    ['a malformed capability', tar(file('f', 'x', { xattrs: new Map([['security.capability', Buffer.from('not a capability')]]) }))],
    ['a system attribute that is not an ACL', tar(file('f', 'x', { xattrs: new Map([['system.other', Buffer.from('v')]]) }))],
    ['a user attribute and a valid capability', tar(file('f', 'x', { xattrs: new Map([['user.note', Buffer.from('v')], ['security.capability', Buffer.from('0100000200040000000000000000000000000000', 'hex')]]) }))],
  ];
  for (const [name, layer] of cases) {
    const { target } = workspace(t);
    const unpacked = await applyLayer(Readable.from([layer]), target, { whiteouts: 'overlay', what: 'layer L' }).then((r) => r, (e: Error) => e);
    const checked = await checkLayer(Readable.from([layer]), { what: 'layer L', intoLength: Buffer.byteLength(target) }).then((r) => r, (e: Error) => e);
    if (unpacked instanceof Error) {
      assert.ok(checked instanceof Error, `${name}: unpacking fails (${unpacked.message}), checking must too`);
      // A system call's message names its paths: absolute on disk, relative in the model.
      assert.equal(checked.message, unpacked.message.replaceAll(`${target}/`, ''), name);
    } else {
      assert.deepEqual(checked, unpacked, name);
    }
  }
  // A diff ID is checked as an unpack checks it.
  const layer = tar(file('a', 'x'));
  await assert.rejects(checkLayer(Readable.from([layer]), { expectedDiffId: `sha256:${'0'.repeat(64)}` }), /diff ID mismatch/);
});

// ---------------------------------------------------------------------------------------------
// diffDirectory / tarDirectory

test('tarDirectory: sorted entries, hard links as links, devices, FIFOs, xattrs, sourceDateEpoch', async (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'b', 'c'), { recursive: true });
  writeFileSync(join(root, 'b', 'c', 'f'), 'content');
  writeFileSync(join(root, 'a'), 'first');
  linkSync(join(root, 'a'), join(root, 'b', 'hard'));
  symlinkSync('../a', join(root, 'b', 'sym'));
  mknod(join(root, 'fifo'), S_IFIFO | 0o640);
  mknod(join(root, 'null'), S_IFCHR | 0o666, makeDev(1, 3));
  mknod(join(root, 'blk'), S_IFBLK | 0o600, makeDev(259, 300_000));
  lsetxattr(join(root, 'a'), 'user.x', Buffer.from('1'));
  lsetxattr(join(root, 'b'), 'trusted.overlay.opaque', Buffer.from('y'));
  chownSync(join(root, 'a'), 1000, 2000);
  chmodSync(join(root, 'a'), 0o4750);
  utimesSync(join(root, 'a'), MTIME, MTIME);
  utimesSync(join(root, 'b'), MTIME + 5, MTIME + 5);
  const buf = await collect(tarDirectory(root));
  const e = parse(buf);
  assert.deepEqual(e.map((x) => [x.name, x.type]), [
    ['a', 'file'], ['b/', 'directory'], ['b/c/', 'directory'], ['b/c/f', 'file'], ['b/hard', 'link'], ['b/sym', 'symlink'],
    ['blk', 'block'], ['fifo', 'fifo'], ['null', 'char'],
  ]);
  const by = new Map(e.map((x) => [x.name, x]));
  assert.deepEqual([by.get('a')?.uid, by.get('a')?.gid, by.get('a')?.mode, by.get('a')?.mtime, by.get('a')?.data.toString()], [1000, 2000, 0o4750, MTIME, 'first']);
  assert.deepEqual(by.get('a')?.xattrs.get('user.x'), Buffer.from('1'));
  assert.equal(by.get('b/')?.xattrs.has('trusted.overlay.opaque'), false, 'overlay xattrs are never archived');
  assert.equal(by.get('b/')?.mtime, MTIME + 5);
  assert.equal(by.get('b/hard')?.linkname, 'a');
  assert.equal(by.get('b/sym')?.linkname, '../a');
  assert.deepEqual([by.get('null')?.devmajor, by.get('null')?.devminor], [1, 3]);
  assert.deepEqual([by.get('blk')?.devmajor, by.get('blk')?.devminor], [259, 300_000]);
  assert.equal(by.get('fifo')?.mode, 0o640);
  // Plain mode has no whiteouts: a 0/0 device would be archived as a device.
  assert.ok(!e.some((x) => x.name.includes('.wh.')));
  // Reproducible: the same tree gives the same bytes; sourceDateEpoch clamps later mtimes only.
  assert.deepEqual(await collect(tarDirectory(root)), buf);
  const clamped = parse(await collect(tarDirectory(root, MTIME + 1)));
  assert.equal(clamped.find((x) => x.name === 'a')?.mtime, MTIME);
  assert.ok(clamped.every((x) => x.mtime <= MTIME + 1));
  assert.equal(clamped.find((x) => x.name === 'b/c/f')?.mtime, MTIME + 1);
});

test('tarDirectory: device minors of 2^19 and above', async (t) => {
  const root = tempRoot(t);
  mknod(join(root, 'c'), S_IFCHR | 0o600, makeDev(1, 600_000));
  const [e] = parse(await collect(tarDirectory(root)));
  assert.deepEqual([e?.devmajor, e?.devminor], [1, 600_000]);
});

test('diffDirectory from an overlay upper dir: 0/0 devices become .wh.NAME, opaque dirs get .wh..wh..opq', async (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'opq'));
  writeFileSync(join(root, 'opq', 'new'), 'n');
  lsetxattr(join(root, 'opq'), 'trusted.overlay.opaque', Buffer.from('y'));
  lsetxattr(join(root, 'opq'), 'user.keep', Buffer.from('k'));
  mknod(join(root, 'deleted'), S_IFCHR, 0n);
  mkdirSync(join(root, 'sub'));
  mknod(join(root, 'sub', 'gone'), S_IFCHR, 0n);
  mknod(join(root, 'realdev'), S_IFCHR | 0o666, makeDev(1, 5));
  const e = parse(await collect(diffDirectory(root, { from: 'overlay-upper' })));
  assert.deepEqual(e.map((x) => [x.name, x.type, x.size]), [
    ['.wh.deleted', 'file', 0], ['opq/', 'directory', 0], ['opq/.wh..wh..opq', 'file', 0], ['opq/new', 'file', 1], ['realdev', 'char', 0], ['sub/', 'directory', 0], ['sub/.wh.gone', 'file', 0],
  ]);
  const opq = e.find((x) => x.name === 'opq/');
  assert.deepEqual([...(opq?.xattrs.keys() ?? [])], ['user.keep']);
  const plain = parse(await collect(diffDirectory(root, { from: 'plain' })));
  assert.deepEqual(plain.filter((x) => x.name === 'deleted').map((x) => [x.type, x.devmajor, x.devminor]), [['char', 0, 0]]);
  assert.ok(!plain.some((x) => x.name.includes('.wh.')));
});

// ---------------------------------------------------------------------------------------------
// Round trips

/** A layer with a bit of everything, including whiteouts and an opaque directory. */
function richLayer(): Buffer {
  return tar(
    dir('bin', { mtime: MTIME + 1 }),
    file('bin/busybox', 'busybox'.repeat(300), { mode: 0o755, mtime: MTIME + 2 }),
    hdr({ name: 'bin/sh', type: 'symlink', linkname: 'busybox', mtime: MTIME + 3 }),
    hdr({ name: 'bin/ls', type: 'link', linkname: 'bin/busybox' }),
    file('bin/su', 'su', { mode: 0o4755, xattrs: new Map([['security.capability', CAP_NET_BIND_SERVICE]]) }),
    dir('tmp', { mode: 0o1777, mtime: MTIME + 4 }),
    dir('srv', { mode: 0o2750, uid: 33, gid: 33, xattrs: new Map([['user.dir', Buffer.from('d')]]) }),
    file('srv/data', 'data', { uid: 33, gid: 33, mode: 0o640, xattrs: new Map([['user.a', Buffer.from([0, 255])]]) }),
    dir('dev', { mtime: MTIME + 5 }),
    hdr({ name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 }),
    hdr({ name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0, mode: 0o660, gid: 6 }),
    hdr({ name: 'dev/pipe', type: 'fifo', mode: 0o600 }),
    dir('opaque', { mtime: MTIME + 6 }),
    file('opaque/.wh..wh..opq'),
    file('opaque/only', 'only'),
    file('.wh.removed'),
    file(`long/${'n'.repeat(150)}/${'m'.repeat(150)}`, 'long'),
    hdr({ name: 'abs-link', type: 'symlink', linkname: `/${'t'.repeat(130)}` }),
  );
}

test('round trip: apply (overlay) → diffDirectory → apply again gives the same tree and the same tar', async (t) => {
  const base = tempRoot(t);
  const a = join(base, 'a');
  const b = join(base, 'b');
  mkdirSync(a);
  mkdirSync(b);
  await apply(a, richLayer(), { whiteouts: 'overlay' });
  const tarA = await collect(diffDirectory(a, { from: 'overlay-upper' }));
  const rB = await apply(b, tarA, { whiteouts: 'overlay' });
  assert.equal(rB.diffId, sha256(tarA));
  const snapA = snapshot(a);
  assert.deepEqual(snapshot(b), snapA);
  assert.match(snapA['removed'] as string, /^char .*rdev=0$/);
  assert.match(snapA['opaque'] as string, /trusted\.overlay\.opaque=79/);
  assert.match(snapA['bin/ls'] as string, /hardlink=bin\/busybox/);
  assert.match(snapA['bin/su'] as string, /^file mode=4755 .*security\.capability=01000002/);
  const tarB = await collect(diffDirectory(b, { from: 'overlay-upper' }));
  assert.equal(sha256(tarB), sha256(tarA), 'diffing the re-applied tree gives the same layer');
  // Entries come back in the same order as Docker writes them: whiteouts as files, the opaque marker after its dir.
  const names = parse(tarA).map((x) => x.name);
  assert.ok(names.includes('.wh.removed'));
  assert.equal(names.indexOf('opaque/.wh..wh..opq'), names.indexOf('opaque/') + 1);
});

test('round trip: apply (apply mode) → tarDirectory → apply on top of an older tree', async (t) => {
  const base = tempRoot(t);
  const a = join(base, 'a');
  const b = join(base, 'b');
  mkdirSync(a);
  mkdirSync(b);
  // The older tree b has things the layer deletes.
  for (const d of [a, b]) {
    writeFileSync(join(d, 'removed'), 'old');
    mkdirSync(join(d, 'opaque'));
    writeFileSync(join(d, 'opaque', 'old'), 'old');
  }
  await apply(a, richLayer());
  assert.equal(existsSync(join(a, 'removed')), false);
  assert.deepEqual(readdirSync(join(a, 'opaque')), ['only']);
  const tarA = await collect(tarDirectory(a));
  await apply(b, tarA);
  // tarDirectory has no whiteouts, so b keeps its old files; everything else is identical.
  const snapB = snapshot(b);
  assert.match(snapB['removed'] as string, /^file /);
  assert.match(snapB['opaque/old'] as string, /^file /);
  delete snapB['removed'];
  delete snapB['opaque/old'];
  assert.deepEqual(snapB, snapshot(a));
});

test('round trip with GNU tar: GNU tar → applyLayer → tarDirectory → GNU tar extracts the same tree', async (t) => {
  const base = tempRoot(t);
  const src = join(base, 'src');
  mkdirSync(join(src, 'd', 'sub'), { recursive: true });
  writeFileSync(join(src, 'd', 'file'), 'hello');
  chmodSync(join(src, 'd', 'file'), 0o4711);
  writeFileSync(join(src, 'd', 'sub', 'owned'), 'owned');
  chownSync(join(src, 'd', 'sub', 'owned'), 1234, 5678);
  linkSync(join(src, 'd', 'file'), join(src, 'hard'));
  symlinkSync('d/file', join(src, 'sym'));
  mknod(join(src, 'fifo'), S_IFIFO | 0o644);
  mknod(join(src, 'tty'), S_IFCHR | 0o620, makeDev(4, 1));
  lsetxattr(join(src, 'd', 'file'), 'security.capability', CAP_NET_BIND_SERVICE);
  lsetxattr(join(src, 'd', 'sub', 'owned'), 'user.tag', Buffer.from('t'));
  const longDir = join(src, 'x'.repeat(100), 'y'.repeat(100));
  mkdirSync(longDir, { recursive: true });
  writeFileSync(join(longDir, 'z'.repeat(100)), 'long');
  chmodSync(join(src, 'd', 'sub'), 0o3755);
  for (const p of ['d/file', 'd/sub/owned', 'fifo', 'tty', `${'x'.repeat(100)}/${'y'.repeat(100)}/${'z'.repeat(100)}`]) utimesSync(join(src, p), MTIME + 7, MTIME + 7);
  lutimesSync(join(src, 'sym'), MTIME + 8, MTIME + 8);
  for (const p of [longDir, join(src, 'x'.repeat(100)), join(src, 'd', 'sub'), join(src, 'd')]) utimesSync(p, MTIME + 9, MTIME + 9);
  const want = snapshot(src);

  for (const format of ['pax', 'gnu']) {
    const xattrs = format === 'pax' ? ['--xattrs', '--xattrs-include=*'] : [];
    const layer = execFileSync('tar', [...xattrs, '--numeric-owner', `--format=${format}`, '-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
    const applied = join(base, `applied-${format}`);
    mkdirSync(applied);
    await apply(applied, layer);
    const noXattrs = { xattrs: () => format === 'pax' };
    assert.deepEqual(snapshot(applied, noXattrs), snapshot(src, noXattrs), `GNU tar --format=${format} → applyLayer`);
  }

  const back = await collect(tarDirectory(join(base, 'applied-pax')));
  const extracted = join(base, 'extracted');
  mkdirSync(extracted);
  execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-p', '-C', extracted, '-xf', '-'], { input: back });
  assert.deepEqual(snapshot(extracted), want, 'berth\'s tar → GNU tar extract');
});
