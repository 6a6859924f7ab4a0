import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { withLock } from './lock.ts';

/** A lock file in a directory of its own, removed after the test. */
async function lockFile(t: TestContext): Promise<{ dir: string; lock: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-unit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { dir, lock: join(dir, 'l') };
}

test('exclusive locks serialise tasks within a process and are re-entrant', async (t) => {
  const { lock } = await lockFile(t);
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
  const { dir, lock } = await lockFile(t);
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

test('shared holders in one process hold together; an exclusive one waits for them all, and holds alone', async (t) => {
  const { lock } = await lockFile(t);
  const log: string[] = [];
  // A long shared holder (a pull waiting for its input) must not keep a second shared one out.
  let endLong!: () => void;
  const long = withLock(lock, 'shared', async () => {
    log.push('long in');
    await new Promise<void>((r) => (endLong = r));
    log.push('long out');
  });
  await new Promise((r) => setImmediate(r));
  await withLock(lock, 'shared', async () => {
    log.push('short');
  });
  assert.deepEqual(log, ['long in', 'short'], 'the second shared holder ran while the first held');
  // An exclusive request waits for the shared holder; a shared one asked after it waits behind it.
  const exclusive = withLock(lock, 'exclusive', async () => {
    log.push('exclusive');
  });
  const later = withLock(lock, 'shared', async () => {
    log.push('later shared');
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(log, ['long in', 'short'], 'nothing got in beside the holder');
  endLong();
  await Promise.all([long, exclusive, later]);
  assert.deepEqual(log, ['long in', 'short', 'long out', 'exclusive', 'later shared']);
});

test('shared holders of one process keep another process\'s exclusive lock out until the last lets go', async (t) => {
  const { dir, lock } = await lockFile(t);
  const holder = new URL('./lock.js', import.meta.url).href;
  const marker = join(dir, 'child-in');
  let releaseA!: () => void;
  let releaseB!: () => void;
  const a = withLock(lock, 'shared', () => new Promise<void>((r) => (releaseA = r)));
  const b = withLock(lock, 'shared', () => new Promise<void>((r) => (releaseB = r)));
  await new Promise((r) => setImmediate(r));
  const script = `const { withLock } = await import(${JSON.stringify(holder)}); const fs = await import('node:fs');
    console.log('asking'); await withLock(${JSON.stringify(lock)}, 'exclusive', async () => { fs.writeFileSync(${JSON.stringify(marker)}, 'x'); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  releaseA();
  await a;
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!existsSync(marker), 'the other process got in while a shared holder remained');
  releaseB();
  await b;
  await new Promise((r) => child.once('close', r));
  assert.ok(existsSync(marker));
});
