import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { withLock } from './lock.ts';

test('exclusive locks serialise tasks within a process and are re-entrant', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-unit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lock = join(dir, 'l');
  let inside = 0;
  let maxInside = 0;
  await Promise.all(
    Array.from({ length: 10 }, () =>
      withLock(lock, 'exclusive', async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 5));
        await withLock(lock, 'exclusive', async () => undefined); // nested: no deadlock
        inside--;
      }),
    ),
  );
  assert.equal(maxInside, 1);
});

test('an exclusive lock excludes another process until released', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-unit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lock = join(dir, 'l');
  const holder = new URL('./lock.js', import.meta.url).href;
  const marker = join(dir, 'child-finished');
  // A child takes the lock, and writes the marker just before it lets go: if we got the lock while
  // the child held it, the marker would not exist yet.
  const script = `const { withLock } = await import(${JSON.stringify(holder)}); const fs = await import('node:fs');
    await withLock(${JSON.stringify(lock)}, 'exclusive', async () => { console.log('held'); await new Promise((r) => setTimeout(r, 200)); fs.writeFileSync(${JSON.stringify(marker)}, 'x'); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await withLock(lock, 'exclusive', async () => {
    assert.ok(existsSync(marker), 'the lock was granted only after the other process released it');
  });
  await new Promise((r) => child.once('close', r));
});
