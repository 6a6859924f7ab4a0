// Hostile and broken archives: each gets a clear error, and the store is left exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile, readdir, readFile, symlink } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { berth, ok, rootWithBusybox, tempDir } from './helpers.ts';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Builds a docker-archive (legacy layout) from the given layer tars; `diffIds` may lie. */
async function dockerArchive(dir: string, layers: Buffer[], opts: { diffIds?: string[]; tags?: string[] } = {}): Promise<string> {
  const src = join(dir, `archive-src-${Math.random().toString(36).slice(2)}`);
  await mkdir(src);
  const names: string[] = [];
  for (const l of layers) {
    const name = `${sha(l)}.tar`;
    await writeFile(join(src, name), l);
    names.push(name);
  }
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map((l) => `sha256:${sha(l)}`) }, config: {} });
  await writeFile(join(src, `${sha(config)}.json`), config);
  await writeFile(join(src, 'manifest.json'), JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: opts.tags ?? ['evil:latest'], Layers: names }]));
  const out = join(dir, `${Math.random().toString(36).slice(2)}.tar`);
  execFileSync('tar', ['-C', src, '-cf', out, '.']);
  return out;
}

/** A layer tar with the given entries, built by GNU tar from a staging directory and a --transform. */
function tarOf(dir: string, build: string): Buffer {
  return execFileSync('sh', ['-c', build], { cwd: dir });
}

/** The tar with its first header's size field replaced (checksum recomputed): a header that lies. */
function withSize(tar: Buffer, size: number): Buffer {
  const b = Buffer.from(tar);
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  b.fill(' ', 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i] as number;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** The tar with its first header's size field in GNU base-256 (for sizes past 8 GiB), checksum recomputed. */
function withBase256Size(tar: Buffer, size: number): Buffer {
  const b = Buffer.from(tar);
  b.fill(0, 124, 136);
  b[124] = 0x80;
  for (let i = 135, v = size; i > 124; i--, v = Math.floor(v / 256)) b[i] = v % 256;
  b.fill(' ', 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i] as number;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

async function storeSnapshot(root: string): Promise<string> {
  const list = async (d: string): Promise<string[]> => (await readdir(d).catch(() => [] as string[])).sort();
  return JSON.stringify({
    blobs: await list(join(root, 'blobs', 'sha256')),
    layers: await list(join(root, 'layers')),
    images: await readFile(join(root, 'meta', 'images.json'), 'utf8').catch(() => ''),
  });
}

test('hostile archives are refused with a clear error and change nothing', async (t) => {
  const { root, cleanup } = await rootWithBusybox('busybox:latest');
  t.after(cleanup);
  const { dir, cleanup: c2 } = await tempDir();
  t.after(c2);
  const outside = join(dir, 'outside');
  await mkdir(outside);
  await mkdir(join(dir, 'stage'));
  await writeFile(join(dir, 'stage', 'passwd'), 'pwned\n');
  await symlink('/etc', join(dir, 'stage', 'link'));

  const goodLayer = tarOf(join(dir, 'stage'), 'tar -cf - passwd');
  const cases: { name: string; archive: () => Promise<string>; error: RegExp }[] = [
    { name: 'not a tar', archive: async () => { const p = join(dir, 'garbage.tar'); await writeFile(p, 'hello, this is not a tar archive at all'.repeat(40)); return p; }, error: /invalid archive/ },
    { name: 'truncated archive', archive: async () => { const p = await dockerArchive(dir, [goodLayer]); const b = await readFile(p); const q = join(dir, 'trunc.tar'); await writeFile(q, b.subarray(0, 1500)); return q; }, error: /invalid archive|unexpected end|truncated/i },
    { name: 'diff ID mismatch', archive: () => dockerArchive(dir, [goodLayer], { diffIds: [`sha256:${'0'.repeat(64)}`] }), error: /diff ID/ },
    { name: 'path traversal in a layer', archive: () => dockerArchive(dir, [tarOf(join(dir, 'stage'), "tar -cf - --transform 's,^passwd,../../../etc/evil,' -P passwd")]), error: /\.\.\/.*escapes|outside|traversal/i },
    { name: 'symlink escape in a layer', archive: () => dockerArchive(dir, [tarOf(join(dir, 'stage'), "tar -cf - --transform 's,^passwd,link/evil,' link passwd")]), error: /link\/evil/ },
    { name: 'hard-link escape in a layer', archive: () => dockerArchive(dir, [tarOf(join(dir, 'stage'), "ln -f passwd hl && tar -cf - -P --transform 's,^passwd$,../../etc/passwd,RSh' passwd hl")]), error: /entry "hl": hard link target "..\/..\/etc\/passwd"/ },
    { name: 'absurd size in a layer header', archive: () => dockerArchive(dir, [withSize(goodLayer, 0o77777777777)]), error: /\.tar: invalid or truncated tar stream(?: in entry "[^"]*")?: unexpected end of data: the tar stream is truncated$/m },
    { name: '8 GiB size (base-256) in a gzip layer header', archive: () => dockerArchive(dir, [gzipSync(withBase256Size(goodLayer, 8 * 2 ** 30))]), error: /\.tar: invalid or truncated tar stream(?: in entry "[^"]*")?: unexpected end of data: the tar stream is truncated$/m },
    { name: 'truncated gzip layer', archive: () => dockerArchive(dir, [gzipSync(goodLayer).subarray(0, 40)]), error: /\.tar: invalid or truncated tar stream(?: in entry "[^"]*")?: gzip stream is corrupt or truncated: unexpected end of file$/m },
    { name: 'gzip layer cut before its trailer', archive: () => { const gz = gzipSync(goodLayer); return dockerArchive(dir, [gz.subarray(0, gz.length - 6)]); }, error: /gzip stream is corrupt or truncated/ },
    { name: 'hard link through a symlink to outside', archive: () => dockerArchive(dir, [tarOf(join(dir, 'stage'), "ln -f passwd hl2 && tar -cf - -P --transform 's,^passwd$,link/passwd,RSh' link passwd hl2")]), error: /entry "hl2": hard link target "link\/passwd": its parent "link" is a symbolic link/ },
    { name: 'a lone zero block between entries', archive: async () => { const b = await readFile(await dockerArchive(dir, [goodLayer])); const q = join(dir, 'zero.tar'); await writeFile(q, Buffer.concat([b.subarray(0, 512), Buffer.alloc(512), b.subarray(512)])); return q; }, error: /^Error: invalid archive: a lone zero block before entry 2: the archive is corrupt$/m },
    { name: 'bad reference in RepoTags', archive: () => dockerArchive(dir, [goodLayer], { tags: ['UPPER:latest'] }), error: /invalid reference format/ },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const before = await storeSnapshot(root);
      const r = await berth(root, ['load', '-i', await c.archive()]);
      assert.equal(r.code, 1, `${c.name}: expected failure, got ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, c.error);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `one-line error, got: ${r.stderr}`);
      assert.deepEqual(await readdir(outside), []);
      assert.equal(await storeSnapshot(root), before, 'the store is unchanged');
      await assert.doesNotReject(readFile('/etc/passwd'));
    });
  }
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
});

test('a whiteout named ".wh..." in a layer is refused and leaves the store working', async (t) => {
  const { root, cleanup } = await rootWithBusybox('busybox:latest');
  t.after(cleanup);
  const { dir, cleanup: c2 } = await tempDir();
  t.after(c2);
  await mkdir(join(dir, 'stage'));
  await writeFile(join(dir, 'stage', 'passwd'), 'x\n');
  const before = await storeSnapshot(root);
  const r = await berth(root, ['load', '-i', await dockerArchive(dir, [tarOf(join(dir, 'stage'), "tar -cf - --transform 's,^passwd$,.wh...,' passwd")])]);
  assert.equal(r.code, 1, `expected failure, got ${r.code}\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /entry "\.wh\.\.\."/);
  assert.equal(await storeSnapshot(root), before, 'the store is unchanged');
  // The store still takes a good archive.
  await ok(berth(root, ['load', '-i', await dockerArchive(dir, [tarOf(join(dir, 'stage'), 'tar -cf - passwd')], { tags: ['good:latest'] })]));
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
});

test('a full disk: load and save -o fail with the kernel\'s reason and leave nothing half written', async (t) => {
  const { root, cleanup } = await rootWithBusybox('busybox:latest');
  t.after(cleanup);
  const { dir, cleanup: c2 } = await tempDir();
  // A 4 MiB filesystem, too small for the image below (unmounted before its directory goes).
  const small = join(dir, 'small');
  await mkdir(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small]);
  t.after(async () => {
    execFileSync('umount', [small]);
    await c2();
  });
  await mkdir(join(dir, 'stage'));
  await writeFile(join(dir, 'stage', 'big'), randomBytes(6 * 1024 * 1024));
  execFileSync('tar', ['-C', join(dir, 'stage'), '-cf', join(dir, 'big-layer.tar'), 'big']);
  const archive = await dockerArchive(dir, [await readFile(join(dir, 'big-layer.tar'))], { tags: ['big:1'] });

  // Loading into a store on it: the error names the cause, and the store keeps nothing of the image.
  const smallRoot = join(small, 'root');
  const r = await berth(smallRoot, ['load', '-i', archive]);
  assert.equal(r.code, 1, `expected failure, got ${r.code}\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /no space left on device/);
  assert.equal((await ok(berth(smallRoot, ['images', '-q']))).stdout, '');
  assert.deepEqual(await readdir(join(smallRoot, 'blobs', 'sha256')), [], 'no blob kept');
  assert.deepEqual(await readdir(join(smallRoot, 'tmp')), [], 'no temporary file left');
  assert.equal((await ok(berth(smallRoot, ['system', 'check']))).stdout, 'No problems found.\n');

  // Saving onto it: the same, and no partial archive.
  await ok(berth(root, ['load', '-i', archive]));
  const s = await berth(root, ['save', '-o', join(small, 'big.tar'), 'big:1']);
  assert.equal(s.code, 1, `expected failure, got ${s.code}\n${s.stdout}${s.stderr}`);
  assert.equal(s.stderr, `Error: ENOSPC: no space left on device, sendfile '${join(small, 'big.tar')}'\n`);
  assert.deepEqual((await readdir(small)).sort(), ['root'], 'no archive, not even a temporary one');
});

test('a compressed layer under a wrong digest is refused, and not unpacked', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  await mkdir(join(dir, 'stage'));
  await writeFile(join(dir, 'stage', 'passwd'), 'x\n');
  const layer = gzipSync(tarOf(join(dir, 'stage'), 'tar -cf - passwd'));
  // An archive whose layer file is named by a digest that is not its own.
  const src = join(dir, 'src');
  await mkdir(join(src, 'blobs', 'sha256'), { recursive: true });
  const wrong = 'ab'.repeat(32);
  await writeFile(join(src, 'blobs', 'sha256', wrong), layer);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(gunzipSync(layer))}`] }, config: {} });
  await writeFile(join(src, 'blobs', 'sha256', sha(config)), config);
  await writeFile(join(src, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${sha(config)}`, RepoTags: ['wrong:1'], Layers: [`blobs/sha256/${wrong}`] }]));
  const archive = join(dir, 'wrong.tar');
  execFileSync('tar', ['-C', src, '-cf', archive, 'manifest.json', 'blobs']);
  const root = join(dir, 'root');
  // Several times: the mismatch may be found before or after the unpack has started reading.
  for (let i = 0; i < 10; i++) {
    const r = await berth(root, ['load', '-i', archive]);
    assert.equal(r.code, 1, `expected failure, got ${r.code}\n${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `Error: digest mismatch for archive entry blobs/sha256/${wrong}: expected sha256:${wrong}, got sha256:${sha(layer)}\n`);
    assert.deepEqual(await readdir(join(root, 'layers')).catch(() => []), [], 'no layer unpacked');
    assert.deepEqual(await readdir(join(root, 'tmp')), [], 'no temporary file or directory left');
  }
  // A directory named by -i: the kernel's reason, one line, no crash.
  const d = await berth(root, ['load', '-i', dir]);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /^Error: EISDIR: illegal operation on a directory, read\n$/);
});

