import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { ContentStore } from './store.ts';
import { digestOf, parseDigest } from './digest.ts';

async function store(t: { after: (fn: () => Promise<void>) => void }): Promise<{ cs: ContentStore; root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'berth-unit-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const cs = new ContentStore(root);
  await cs.init();
  return { cs, root };
}

test('put, info, read ranges, delete', async (t) => {
  const { cs } = await store(t);
  const info = await cs.put('hello world');
  assert.equal(info.digest, digestOf('hello world'));
  assert.equal(info.size, 11);
  assert.deepEqual(await cs.info(info.digest), info);
  const chunks: Buffer[] = [];
  for await (const c of await cs.read(info.digest, { start: 6, end: 10 })) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'world');
  await cs.delete(info.digest);
  assert.equal(await cs.info(info.digest), undefined);
  await assert.rejects(cs.read(info.digest), /not found in the content store/);
});

test('a wrong digest or size stores nothing under any name', async (t) => {
  const { cs, root } = await store(t);
  const wrong = digestOf('something else');
  await assert.rejects(cs.putStream(Readable.from([Buffer.from('hello')]), { digest: wrong, what: 'layer 0' }), /digest mismatch for layer 0: expected sha256:[0-9a-f]{64}, got sha256:/);
  await assert.rejects(cs.put('hello', { size: 3 }), /size mismatch: expected 3 bytes, got more than 3/);
  await assert.rejects(cs.put('hello', { size: 9 }), /size mismatch: expected 9 bytes, got 5/);
  assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(await readdir(join(root, 'tmp')), []);
});

test('verify finds a blob whose bytes changed', async (t) => {
  const { cs } = await store(t);
  const info = await cs.put('original');
  assert.equal(await cs.verify(info.digest), info.digest);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(cs.path(info.digest), 'tampered');
  assert.equal(await cs.verify(info.digest), digestOf('tampered'));
  assert.equal((await readFile(cs.path(info.digest))).toString(), 'tampered');
});

test('parseDigest errors say what is wrong', () => {
  assert.throws(() => parseDigest('sha256:abc'), /invalid checksum digest length/);
  assert.throws(() => parseDigest('md5:0123'), /unsupported digest algorithm/);
  assert.throws(() => parseDigest('nonsense'), /invalid digest format/);
  assert.equal(parseDigest(`sha256:${'a'.repeat(64)}`), `sha256:${'a'.repeat(64)}`);
});

test('an ingest writes many chunks in flight at their places, and calls back once each is written', async (t) => {
  const { cs, root } = await store(t);
  const data = randomBytes(20 * 1024 * 1024 + 777);
  const ingest = await cs.ingest({ digest: digestOf(data), size: data.length });
  let written = 0;
  for (let off = 0; off < data.length; off += 300_001) {
    // Each chunk in a buffer of its own, filled with garbage once written: a write that ran late or
    // at the wrong place would show in the blob.
    const chunk = Buffer.from(data.subarray(off, off + 300_001));
    const more = ingest.write(chunk, () => {
      written++;
      chunk.fill(0xee);
    });
    if (!more) await ingest.drained();
  }
  const info = await ingest.commit();
  assert.equal(written, Math.ceil(data.length / 300_001));
  assert.deepEqual(await readFile(cs.path(info.digest)), data);
  assert.deepEqual(await readdir(join(root, 'tmp')), []);
});

test('an aborted ingest waits for its writes and leaves no file', async (t) => {
  const { cs, root } = await store(t);
  const ingest = await cs.ingest();
  for (let i = 0; i < 20; i++) ingest.write(randomBytes(1 << 20));
  await ingest.abort();
  assert.deepEqual(await readdir(join(root, 'tmp')), []);
  assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), []);
});
