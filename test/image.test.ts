// End-to-end: the image commands on a real store, through the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { berth, berthBin, ok, rootWithBusybox, run, tempDir, makeBusyboxRootfs } from './helpers.ts';

test('import, images, tag, inspect, history, rmi', async (t) => {
  const { root, cleanup } = await rootWithBusybox('busybox:latest');
  t.after(cleanup);

  const ls = await ok(berth(root, ['images']));
  const lines = ls.stdout.trimEnd().split('\n');
  assert.match(lines[0] as string, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(lines[1] as string, /^busybox\s+latest\s+[0-9a-f]{12}\s+(Less than a second|1 second|\d+ seconds) ago\s+\d+(\.\d+)?[kM]B$/);

  const id = (await ok(berth(root, ['images', '-q', '--no-trunc']))).stdout.trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);

  await ok(berth(root, ['tag', 'busybox', 'localhost:5000/tools/bb:v1']));
  const fmt = await ok(berth(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']));
  assert.deepEqual(fmt.stdout.trim().split('\n').sort(), ['busybox:latest', 'localhost:5000/tools/bb:v1']);

  const json = JSON.parse((await ok(berth(root, ['images', '--format', '{{json .}}', '--filter', 'reference=busybox']))).stdout) as Record<string, string>;
  assert.equal(json.Repository, 'busybox');
  assert.equal(json.ID, id.slice(7, 19));

  const inspect = JSON.parse((await ok(berth(root, ['image', 'inspect', 'busybox']))).stdout) as { Id: string; RepoTags: string[]; Config: { Cmd: string[] }; RootFS: { Layers: string[] }; Os: string }[];
  assert.equal(inspect.length, 1);
  assert.equal(inspect[0]?.Id, id);
  assert.deepEqual(inspect[0]?.RepoTags.sort(), ['busybox:latest', 'localhost:5000/tools/bb:v1']);
  assert.deepEqual(inspect[0]?.Config.Cmd, ['sh']);
  assert.equal(inspect[0]?.RootFS.Layers.length, 1);
  assert.equal((await ok(berth(root, ['image', 'inspect', '-f', '{{.Os}}/{{index .Config.Cmd 0}}', id.slice(7, 15)]))).stdout, 'linux/sh\n');

  const history = await ok(berth(root, ['history', 'busybox']));
  assert.match(history.stdout, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT\n[0-9a-f]{12}\s+.*Imported from /);

  // A name that is not the last: untag only. The last one: untag and delete.
  const r1 = await ok(berth(root, ['rmi', 'localhost:5000/tools/bb:v1']));
  assert.equal(r1.stdout, 'Untagged: localhost:5000/tools/bb:v1\n');
  const r2 = await ok(berth(root, ['rmi', 'busybox']));
  assert.equal(r2.stdout, `Untagged: busybox:latest\nDeleted: ${id}\n`);
  assert.equal((await ok(berth(root, ['images', '-q']))).stdout, '');
  // Nothing is left behind: no blobs, no layers.
  assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), []);
  assert.deepEqual(await readdir(join(root, 'layers')), []);
});

test('errors read as Docker writes them', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const missing = await berth(root, ['rmi', 'nope']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error: No such image: nope:latest\n');
  const badRef = await berth(root, ['tag', 'busybox', 'Bad/Name']);
  assert.equal(badRef.code, 1);
  assert.match(badRef.stderr, /invalid reference format: repository name \(.*\) must be lowercase/);
  const badFmt = await berth(root, ['tag', 'busybox', 'x:y:z']);
  assert.match(badFmt.stderr, /invalid reference format/);
  const flag = await berth(root, ['images', '--bogus']);
  assert.equal(flag.code, 125);
  assert.match(flag.stderr, /unknown flag: --bogus\nSee 'berth images --help'\./);
  const multi = await berth(root, ['tag', 'busybox', 'other']);
  assert.equal(multi.code, 0);
  const id = (await ok(berth(root, ['images', '-q']))).stdout.trim().split('\n')[0] as string;
  const conflict = await berth(root, ['rmi', id]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/);
  const inspectMissing = await berth(root, ['image', 'inspect', 'busybox', 'ghost']);
  assert.equal(inspectMissing.code, 1);
  assert.equal(JSON.parse(inspectMissing.stdout).length, 1);
  assert.match(inspectMissing.stderr, /No such image: ghost/);
});

test('import from a directory with changes, dangling images and prune', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const root = join(dir, 'root');
  const rootfs = join(dir, 'rootfs');
  await makeBusyboxRootfs(rootfs);
  const id1 = (await ok(berth(root, ['import', '-c', 'ENV A=1', '-c', 'WORKDIR /srv', '-c', 'LABEL team=core', '-m', 'from a dir', rootfs, 'app:1']))).stdout.trim();
  const cfg = JSON.parse((await ok(berth(root, ['image', 'inspect', 'app:1']))).stdout)[0] as { Config: { Env: string[]; WorkingDir: string; Labels: Record<string, string> }; Comment: string };
  assert.deepEqual(cfg.Config.Env, ['A=1']);
  assert.equal(cfg.Config.WorkingDir, '/srv');
  assert.deepEqual(cfg.Config.Labels, { team: 'core' });
  assert.equal(cfg.Comment, 'from a dir');
  // A second import under the same name leaves the first image dangling.
  await writeFile(join(rootfs, 'etc', 'motd'), 'v2\n');
  const id2 = (await ok(berth(root, ['import', rootfs, 'app:1']))).stdout.trim();
  assert.notEqual(id1, id2);
  const dangling = await ok(berth(root, ['images', '--filter', 'dangling=true', '--format', '{{.Repository}} {{.Tag}} {{.ID}}']));
  assert.equal(dangling.stdout, `<none> <none> ${id1.slice(7, 19)}\n`);
  assert.match((await ok(berth(root, ['images', '--filter', 'label=team=core', '-q']))).stdout, new RegExp(id1.slice(7, 19)));
  const prune = await ok(berth(root, ['image', 'prune', '-f']));
  assert.match(prune.stdout, new RegExp(`Deleted Images:\ndeleted: ${id1}\n\nTotal reclaimed space: `));
  assert.equal((await ok(berth(root, ['images', '-q', '--no-trunc']))).stdout, `${id2}\n`);
  const pruneAll = await ok(berth(root, ['image', 'prune', '-a', '-f']));
  assert.match(pruneAll.stdout, /untagged: app:1\ndeleted: sha256:/);
  assert.equal((await ok(berth(root, ['images', '-q']))).stdout, '');
});

test('save and load round-trip keeps every digest', async (t) => {
  const { root, cleanup } = await rootWithBusybox('busybox:1');
  t.after(cleanup);
  const { dir, cleanup: c2 } = await tempDir();
  t.after(c2);
  await ok(berth(root, ['tag', 'busybox:1', 'registry.example:5000/team/bb:2']));
  const archive = join(dir, 'img.tar');
  await ok(berth(root, ['save', '-o', archive, 'busybox:1', 'registry.example:5000/team/bb:2']));
  const root2 = join(dir, 'root2');
  const load = await ok(berth(root2, ['load', '-i', archive]));
  assert.deepEqual(load.stdout.trim().split('\n').sort(), ['Loaded image: busybox:1', 'Loaded image: registry.example:5000/team/bb:2']);
  const a = JSON.parse((await ok(berth(root, ['image', 'inspect', 'busybox:1']))).stdout)[0] as { Id: string; Descriptor: { digest: string } };
  const b = JSON.parse((await ok(berth(root2, ['image', 'inspect', 'busybox:1']))).stdout)[0] as { Id: string; Descriptor: { digest: string } };
  assert.equal(b.Id, a.Id);
  assert.equal(b.Descriptor.digest, a.Descriptor.digest);
  // Saving again from the second store gives the same bytes: save is deterministic.
  const archive2 = join(dir, 'img2.tar');
  await ok(berth(root2, ['save', '-o', archive2, 'busybox:1', 'registry.example:5000/team/bb:2']));
  assert.ok((await readFile(archive)).equals(await readFile(archive2)));
  // To standard output the same bytes go out (-o copies blobs in the kernel, stdout streams them).
  const streamed = join(dir, 'streamed.tar');
  await ok(run('sh', ['-c', `"$0" --root "$1" save busybox:1 registry.example:5000/team/bb:2 > "$2"`, berthBin, root2, streamed]));
  assert.ok((await readFile(streamed)).equals(await readFile(archive2)), 'save > file and save -o file give the same archive');
  // A failed save leaves no file, not even a temporary one.
  const failed = await berth(root2, ['save', '-o', join(dir, 'none.tar'), 'busybox:1', 'nosuch:1']);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /nosuch/);
  assert.deepEqual((await readdir(dir)).filter((n) => n.includes('none')), []);
  // stdin works, and oci-archive too.
  const oci = join(dir, 'img.oci.tar');
  await ok(berth(root, ['save', '--format', 'oci-archive', '-o', oci, 'busybox:1']));
  const root3 = join(dir, 'root3');
  const viaStdin = await ok(berth(root3, ['load'], { input: await readFile(oci) }));
  assert.equal(viaStdin.stdout, 'Loaded image: busybox:1\n');
  assert.ok((await stat(oci)).size > 100_000);
});

test('an image of many megabytes loads from a file (read in reused buffers) as from stdin, and saves back the same bytes', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const rootfs = join(dir, 'rootfs');
  await makeBusyboxRootfs(rootfs);
  // Random bytes spread over several read chunks, a file ending in the middle of one.
  await writeFile(join(rootfs, 'big.bin'), randomBytes(7 * 1024 * 1024 + 333));
  const root = join(dir, 'root');
  await ok(berth(root, ['import', rootfs, 'big:1']));
  const archive = join(dir, 'big.tar');
  await ok(berth(root, ['save', '-o', archive, 'big:1']));
  const fromFile = join(dir, 'from-file');
  const fromStdin = join(dir, 'from-stdin');
  assert.equal((await ok(berth(fromFile, ['load', '-i', archive]))).stdout, 'Loaded image: big:1\n');
  assert.equal((await ok(berth(fromStdin, ['load'], { input: await readFile(archive) }))).stdout, 'Loaded image: big:1\n');
  // -i naming a pipe: it cannot be read at offsets, and is read as a stream.
  const fromPipe = join(dir, 'from-pipe');
  assert.equal((await ok(run('sh', ['-c', 'cat "$1" | "$0" --root "$2" load -i /dev/stdin', berthBin, archive, fromPipe]))).stdout, 'Loaded image: big:1\n');
  const idOf = async (r: string): Promise<string> => (await ok(berth(r, ['images', '-q', '--no-trunc', 'big:1']))).stdout.trim();
  for (const r of [fromFile, fromStdin, fromPipe]) assert.equal(await idOf(r), await idOf(root));
  assert.match((await ok(berth(fromFile, ['system', 'check']))).stdout, /No problems found/);
  const again = join(dir, 'again.tar');
  await ok(berth(fromFile, ['save', '-o', again, 'big:1']));
  assert.ok((await readFile(again)).equals(await readFile(archive)), 'the loaded image saves back to the same archive');
  // And its layer unpacks to the same file.
  await ok(berth(fromFile, ['create', '--name', 'big-c', 'big:1', 'true']));
  const copied = join(dir, 'copied.bin');
  await ok(berth(fromFile, ['cp', 'big-c:/big.bin', copied]));
  assert.ok((await readFile(copied)).equals(await readFile(join(rootfs, 'big.bin'))));
  await ok(berth(fromFile, ['rm', 'big-c']));
});

test('system df and system check with repair', async (t) => {
  const { root, cleanup } = await rootWithBusybox('busybox:latest');
  t.after(cleanup);
  await ok(berth(root, ['tag', 'busybox', 'copy:1']));
  const df = await ok(berth(root, ['system', 'df']));
  assert.match(df.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+1\s+0\s+\S+\s+\S+ \(100%\)\n/);
  const dfv = await ok(berth(root, ['system', 'df', '-v']));
  assert.match(dfv.stdout, /Images space usage:/);
  assert.match(dfv.stdout, /1 layers, 0 shared by more than one image/);
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');

  // Corrupt the layer blob: check reports it and exits 1; repair removes it and the broken image.
  const blobs = join(root, 'blobs', 'sha256');
  let biggest = '';
  let size = -1;
  for (const n of await readdir(blobs)) {
    const s = (await stat(join(blobs, n))).size;
    if (s > size) [biggest, size] = [n, s];
  }
  await writeFile(join(blobs, biggest), 'not the layer any more');
  const check = await berth(root, ['system', 'check']);
  assert.equal(check.code, 1);
  assert.match(check.stdout, new RegExp(`blob sha256:${biggest} is corrupt \\(its content hashes to sha256:[0-9a-f]{64}\\)`));
  const repair = await ok(berth(root, ['system', 'check', '--repair']));
  assert.match(repair.stdout, /removed image record sha256:/);
  assert.match(repair.stdout, new RegExp(`removed blob sha256:${biggest}`));
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
  assert.equal((await ok(berth(root, ['images', '-q']))).stdout, '');
});
