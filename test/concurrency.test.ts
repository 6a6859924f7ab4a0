// 20 berth processes tagging, loading, importing and removing at once must leave a consistent
// store: no lost tag, no orphaned or missing blob.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, ok, rootWithBusybox, tempDir, makeBusyboxRootfs } from './helpers.ts';

test('20 concurrent processes leave a consistent store', async (t) => {
  const { root, cleanup } = await rootWithBusybox('base:1');
  t.after(cleanup);
  const { dir, cleanup: c2 } = await tempDir();
  t.after(c2);

  // Four archives of distinct images, made in a scratch root; four directories to import.
  const scratch = join(dir, 'scratch');
  const rootfs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const d = join(dir, `rootfs${i}`);
    await makeBusyboxRootfs(d);
    await writeFile(join(d, 'etc', 'motd'), `image ${i}\n`);
    rootfs.push(d);
    await ok(berth(scratch, ['import', d, `arch${i}:1`]));
    await ok(berth(scratch, ['save', '-o', join(dir, `arch${i}.tar`), `arch${i}:1`]));
    await writeFile(join(d, 'etc', 'motd'), `imported ${i}\n`);
  }
  for (let i = 0; i < 4; i++) await ok(berth(root, ['tag', 'base:1', `gone${i}`]));

  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < 8; i++) jobs.push(ok(berth(root, ['tag', 'base:1', `keep${i}`])));
  for (let i = 0; i < 4; i++) jobs.push(ok(berth(root, ['load', '-i', join(dir, `arch${i}.tar`)])));
  for (let i = 0; i < 4; i++) jobs.push(ok(berth(root, ['rmi', `gone${i}`])));
  for (let i = 0; i < 4; i++) jobs.push(ok(berth(root, ['import', rootfs[i] as string, `imp${i}`])));
  assert.equal(jobs.length, 20);
  await Promise.all(jobs);

  const names = (await ok(berth(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']))).stdout.trim().split('\n').sort();
  const expected = ['base:1', ...[0, 1, 2, 3].map((i) => `arch${i}:1`), ...[0, 1, 2, 3].map((i) => `imp${i}:latest`), ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `keep${i}:latest`)].sort();
  assert.deepEqual(names, expected);
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
  // Every image can still be saved whole.
  await ok(berth(root, ['save', '-o', join(dir, 'all.tar'), ...expected]));
});
