import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseSnapshotter, overlayWorks } from './choose.ts';

test('the snapshotter: as configured, else probed once and remembered', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.equal(await chooseSnapshotter(root, 'copy'), 'vfs');
  assert.equal(await chooseSnapshotter(root, 'overlay'), 'overlay2');
  await assert.rejects(chooseSnapshotter(root, 'btrfs'), /unknown snapshotter "btrfs": use overlay2 or vfs/);
  // This machine's /tmp takes an overlay upper dir; the probe leaves nothing behind.
  assert.equal(await overlayWorks(join(root, 'tmp')), true);
  assert.deepEqual(await readdir(join(root, 'tmp')), []);
  assert.equal(await chooseSnapshotter(root), 'overlay2');
  assert.equal(await readFile(join(root, 'meta', 'snapshotter'), 'utf8'), 'overlay2');
  // Several containers made at once in one process share one probe (build stages do this).
  await rm(join(root, 'meta', 'snapshotter'));
  assert.deepEqual(await Promise.all(Array.from({ length: 12 }, () => chooseSnapshotter(root))), Array(12).fill('overlay2'));
  assert.deepEqual(await readdir(join(root, 'tmp')), []);
  // What was found is remembered (a root moved to a filesystem without overlay says so here).
  await writeFile(join(root, 'meta', 'snapshotter'), 'vfs');
  assert.equal(await chooseSnapshotter(root), 'vfs');
  // A probe that cannot even make its directories says no.
  await writeFile(join(root, 'file'), '');
  assert.equal(await overlayWorks(join(root, 'file')), false);
});
