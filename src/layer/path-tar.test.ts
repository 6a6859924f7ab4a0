// Unit tests for the archive of one path (tarPath, rebaseTar) and for applyLayer's plain-archive
// options that `cp` uses (whiteouts: 'none', owner, noOverwriteDirNonDir).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { applyLayer } from './apply.ts';
import { rebaseTar, tarPath } from './path-tar.ts';
import { TarParser, type TarHeader } from './tar-reader.ts';
import { encodeHeader, padding, TAR_END, type WriteHeader } from './tar-writer.ts';

function tempRoot(t: TestContext): string {
  const base = mkdtempSync(join(tmpdir(), 'berth-unit-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return base;
}

async function collect(r: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Entries as "type name[ -> link][ =data]". */
function entries(buf: Buffer): string[] {
  const out: string[] = [];
  let cur: { h: TarHeader; data: Buffer[] } | undefined;
  const p = new TarParser({
    entry: (h) => (cur = { h, data: [] }),
    data: (c) => cur?.data.push(Buffer.from(c)),
    end: () => {
      if (!cur) return;
      const { h, data } = cur;
      const body = Buffer.concat(data).toString();
      out.push(`${h.type} ${h.name}${h.linkname ? ` -> ${h.linkname}` : ''}${body ? ` =${body}` : ''}`);
    },
  });
  p.push(buf);
  p.finish();
  return out;
}

function file(name: string, data = '', extra: Partial<WriteHeader> = {}): Buffer {
  const d = Buffer.from(data);
  return Buffer.concat([encodeHeader({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: d.length, mtime: 1_700_000_000, ...extra }), d, Buffer.alloc(padding(d.length))]);
}

function dir(name: string, extra: Partial<WriteHeader> = {}): Buffer {
  return encodeHeader({ name, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000, ...extra });
}

function apply(target: string, parts: Buffer[], opts: Partial<Parameters<typeof applyLayer>[2]> = {}): ReturnType<typeof applyLayer> {
  return applyLayer(Readable.from([Buffer.concat([...parts, TAR_END])]), target, { whiteouts: 'none', what: 'archive', ...opts });
}

/** The entry with another type flag (one the reader knows as 'other'), its checksum redone. */
function withFlag(entry: Buffer, flag: string): Buffer {
  const b = Buffer.from(entry);
  b.write(flag, 156, 1, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i] as number;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** src/{a (file), sub/{b, hard (a hard link to b)}, link -> a}, beside a sibling that must not appear. */
function sample(t: TestContext): string {
  const base = tempRoot(t);
  const src = join(base, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a'), 'A');
  writeFileSync(join(src, 'sub', 'b'), 'B');
  linkSync(join(src, 'sub', 'b'), join(src, 'sub', 'hard'));
  symlinkSync('a', join(src, 'link'));
  writeFileSync(join(base, 'sibling'), 'not me');
  return src;
}

test('tarPath: a directory is its own entry and everything under it, under the name asked for', async (t) => {
  const src = sample(t);
  const expected = (top: string, sep = '/'): string[] => [
    `directory ${top}${sep}`.replace(/\/\/$/, '/'),
    `file ${top}${sep}a =A`,
    `symlink ${top}${sep}link -> a`,
    `directory ${top}${sep}sub/`,
    `file ${top}${sep}sub/b =B`,
    `link ${top}${sep}sub/hard -> ${top}${sep}sub/b`,
  ];
  assert.deepEqual(entries(await collect(tarPath(src, 'src'))), expected('src'));
  assert.deepEqual(entries(await collect(tarPath(src, 'renamed'))), expected('renamed'));
  assert.deepEqual(entries(await collect(tarPath(`${src}/.`, '.'))), expected('.'));
  assert.deepEqual(entries(await collect(tarPath(`${src}/`, '/'))), ['directory /', 'file /a =A', 'symlink /link -> a', 'directory /sub/', 'file /sub/b =B', 'link /sub/hard -> /sub/b']);
  // GNU tar reads it.
  const listed = execFileSync('tar', ['-tf', '-'], { input: await collect(tarPath(src, 'x')) }).toString();
  assert.equal(listed, 'x/\nx/a\nx/link\nx/sub/\nx/sub/b\nx/sub/hard\n');
});

test('tarPath: a file or a symlink is one entry; a symlink is not followed', async (t) => {
  const src = sample(t);
  assert.deepEqual(entries(await collect(tarPath(join(src, 'a'), 'a'))), ['file a =A']);
  assert.deepEqual(entries(await collect(tarPath(join(src, 'a'), 'other'))), ['file other =A']);
  assert.deepEqual(entries(await collect(tarPath(join(src, 'link'), 'link'))), ['symlink link -> a']);
  assert.throws(() => tarPath('/', 'x'), /cannot archive the root of the host filesystem/);
});

test('rebaseTar: renames the top entry and what is under it, hard link targets too; drops unknown types', async () => {
  const input = Buffer.concat([
    dir('top'), file('top/f', 'F'), encodeHeader({ name: 'top/h', type: 'link', linkname: 'top/f', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 }),
    file('topless', 'not under top'), file('other/top/f', 'deeper'),
    withFlag(file('weird', 'xyz'), 'Z'),
    file('last', 'L'), TAR_END,
  ]);
  const out = await collect(rebaseTar(Readable.from([input]), 'top', 'new'));
  assert.deepEqual(entries(out), ['directory new/', 'file new/f =F', 'link new/h -> new/f', 'file topless =not under top', 'file other/top/f =deeper', 'file last =L']);
  // Data crossing chunk boundaries passes through intact.
  const big = 'x'.repeat(70_000);
  const chunked = Buffer.concat([file('top', big), TAR_END]);
  const pieces = Array.from({ length: Math.ceil(chunked.length / 777) }, (_, i) => chunked.subarray(i * 777, (i + 1) * 777));
  assert.deepEqual(entries(await collect(rebaseTar(Readable.from(pieces), 'top', '.'))), [`file . =${big}`]);
});

test("applyLayer whiteouts 'none': .wh. names are files, and a root entry leaves the target as it is", async (t) => {
  const target = tempRoot(t);
  chmodSync(target, 0o755);
  writeFileSync(join(target, 'victim'), 'stays');
  await apply(target, [dir('./', { mode: 0o700, uid: 4, gid: 4 }), file('.wh.victim', 'plain'), dir('d'), file('d/.wh..wh..opq', 'also plain')]);
  assert.equal(readFileSync(join(target, 'victim'), 'utf8'), 'stays');
  assert.equal(readFileSync(join(target, '.wh.victim'), 'utf8'), 'plain');
  assert.equal(readFileSync(join(target, 'd', '.wh..wh..opq'), 'utf8'), 'also plain');
  assert.equal(statSync(target).mode & 0o777, 0o755);
  assert.equal(statSync(target).uid, process.getuid?.());
});

test('applyLayer owner: every entry gets that uid/gid, modes kept', async (t) => {
  const target = tempRoot(t);
  await apply(target, [dir('d', { uid: 7, gid: 8 }), file('d/f', 'x', { uid: 9, gid: 10, mode: 0o640 }), encodeHeader({ name: 'd/l', type: 'symlink', linkname: 'f', mode: 0o777, uid: 11, gid: 12, size: 0, mtime: 0 })], { owner: { uid: 1234, gid: 5678 } });
  for (const p of ['d', 'd/f', 'd/l']) {
    const st = lstatSync(join(target, p));
    assert.deepEqual([st.uid, st.gid], [1234, 5678], p);
  }
  assert.equal(statSync(join(target, 'd', 'f')).mode & 0o777, 0o640);
});

test('applyLayer noOverwriteDirNonDir: a directory is never replaced by a non-directory, nor the reverse', async (t) => {
  const target = tempRoot(t);
  mkdirSync(join(target, 'dir'));
  writeFileSync(join(target, 'dir', 'keep'), 'k');
  writeFileSync(join(target, 'file'), 'f');
  await assert.rejects(apply(target, [file('dir', 'x')], { noOverwriteDirNonDir: true }), /archive entry "dir": cannot overwrite a directory with a non-directory/);
  await assert.rejects(apply(target, [dir('file')], { noOverwriteDirNonDir: true }), /archive entry "file\/": cannot overwrite a non-directory with a directory/);
  assert.deepEqual(readdirSync(join(target, 'dir')), ['keep']);
  assert.equal(readFileSync(join(target, 'file'), 'utf8'), 'f');
  // Same kinds merge or replace as usual.
  await apply(target, [dir('dir'), file('dir/new', 'n'), file('file', 'replaced')], { noOverwriteDirNonDir: true });
  assert.deepEqual(readdirSync(join(target, 'dir')).sort(), ['keep', 'new']);
  assert.equal(readFileSync(join(target, 'file'), 'utf8'), 'replaced');
  // Without the option, a layer replaces either way.
  await apply(target, [file('dir', 'now a file')]);
  assert.equal(readFileSync(join(target, 'dir'), 'utf8'), 'now a file');
});
