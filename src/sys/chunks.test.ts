import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
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
