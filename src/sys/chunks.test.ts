import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileChunks } from './chunks.ts';

async function fileOf(t: { after: (fn: () => Promise<void>) => void }, data: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-unit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'f'), data);
  return join(dir, 'f');
}

async function readAll(path: string, holdEvery: boolean): Promise<{ held: { data: Buffer; copy: Buffer; release: () => void }[]; whole: Buffer; buffers: Set<ArrayBufferLike> }> {
  const fh = await open(path, 'r');
  try {
    const held: { data: Buffer; copy: Buffer; release: () => void }[] = [];
    const parts: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const c of fileChunks(fh)) {
      parts.push(Buffer.from(c.data));
      buffers.add(c.data.buffer);
      if (holdEvery) held.push({ data: c.data, copy: Buffer.from(c.data), release: c.hold() });
    }
    return { held, whole: Buffer.concat(parts), buffers };
  } finally {
    await fh.close();
  }
}

test('a file read in chunks gives its bytes in order, whatever its size', async (t) => {
  for (const size of [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 7 * (1 << 20) + 12345]) {
    const data = randomBytes(size);
    const { whole } = await readAll(await fileOf(t, data), false);
    assert.deepEqual(whole, data, `a file of ${size} bytes`);
  }
});

test('a held chunk keeps its bytes while later ones are read; released ones are reused', async (t) => {
  const data = randomBytes(9 * (1 << 20) + 5);
  const path = await fileOf(t, data);
  const held = await readAll(path, true);
  for (const h of held.held) assert.deepEqual(h.data, h.copy, 'a held chunk was overwritten');
  assert.equal(held.buffers.size, held.held.length, 'every held chunk has a buffer of its own');
  for (const h of held.held) h.release();
  // Not held: the same few buffers carry the whole file.
  const free = await readAll(path, false);
  assert.deepEqual(free.whole, data);
  assert.ok(free.buffers.size < 10 / 2, `${free.buffers.size} buffers for 10 chunks`);
});

test('a file that gives less than asked (FUSE, NFS) is read on from where each read stopped', async () => {
  const data = randomBytes(3 * (1 << 20) + 99);
  // A handle whose reads return at most 300,001 bytes: every read ahead is at the wrong offset.
  const fh = {
    stat: async () => ({ isFile: () => true }),
    read: async (buf: Buffer, off: number, len: number, at: number) => ({ bytesRead: at >= data.length ? 0 : data.copy(buf, off, at, Math.min(at + Math.min(len, 300_001), data.length)) }),
  } as unknown as FileHandle;
  const parts: Buffer[] = [];
  for await (const c of fileChunks(fh)) parts.push(Buffer.from(c.data));
  assert.deepEqual(Buffer.concat(parts), data);
});

test('a pipe is read as a stream; a failed read is an error, not a crash', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-unit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const data = randomBytes(5 * (1 << 20));
  const writer = writeFile(fifo, data);
  const fh = await open(fifo, 'r');
  const parts: Buffer[] = [];
  try {
    for await (const c of fileChunks(fh)) parts.push(Buffer.from(c.data));
  } finally {
    await fh.close();
  }
  await writer;
  assert.deepEqual(Buffer.concat(parts), data);
  // Every read fails (EISDIR), the reads ahead too: the first failure is thrown, the others handled.
  const d = await open(dir, 'r');
  const failing = { stat: async () => ({ isFile: () => true }), read: d.read.bind(d) } as unknown as FileHandle;
  try {
    await assert.rejects(async () => {
      for await (const c of fileChunks(failing)) void c;
    }, /EISDIR/);
  } finally {
    await d.close();
  }
});
