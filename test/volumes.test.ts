// Volumes and mounts end to end on the real runtime, against Docker's behaviour: `volume create`,
// `ls`, `inspect`, `rm` and `prune`; named volumes, bind mounts, tmpfs mounts (-v, --mount,
// --tmpfs); anonymous volumes from an image's VOLUME; --volumes-from; and .Mounts in inspect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { berth, ok, removeContainers, rootWithBusybox } from './helpers.ts';

const HEX64 = /^[0-9a-f]{64}$/;

interface MountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
  Scope: string;
  CreatedAt: string;
  Options: Record<string, string> | null;
}

/**
 * A root with the busybox image, and `work`: the temporary directory around it, for host
 * directories to bind. Its cleanup removes the containers before it deletes the directory.
 */
async function fixture(t: { after(fn: () => Promise<void>): void }): Promise<{ root: string; work: string }> {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  return { root, work: dirname(root) };
}

/** The end of every test: with the containers removed, nothing of the test is mounted on the host. */
async function nothingLeftMounted(root: string, work: string): Promise<void> {
  await removeContainers(root);
  assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(work)), [], 'nothing left mounted');
}

/** `volume ls -q`, one name a line as docker/cli prints it (sorted by name). */
async function volumeNames(root: string, ...args: string[]): Promise<string[]> {
  return (await ok(berth(root, ['volume', 'ls', '-q', ...args]))).stdout.split('\n').filter(Boolean);
}

async function inspectVolume(root: string, name: string): Promise<Volume> {
  const all = JSON.parse((await ok(berth(root, ['volume', 'inspect', name]))).stdout) as Volume[];
  assert.equal(all.length, 1);
  return all[0] as Volume;
}

/** A container's .Mounts, by destination (Docker lists them in no particular order). */
async function mountsOf(root: string, container: string): Promise<MountPoint[]> {
  const mounts = JSON.parse((await ok(berth(root, ['inspect', '-f', '{{json .Mounts}}', container]))).stdout) as MountPoint[];
  return mounts.sort((a, b) => (a.Destination < b.Destination ? -1 : a.Destination > b.Destination ? 1 : 0));
}

/** A host directory under the test's temporary directory, with these files. */
async function hostDir(work: string, name: string, files: Record<string, string> = {}): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  for (const [f, content] of Object.entries(files)) await writeFile(join(dir, f), content);
  return dir;
}

/** `withvol`: busybox with /vol (owned by 65534:65534, mode 750) holding /vol/seed, declared a VOLUME. */
async function buildWithVol(root: string, work: string): Promise<void> {
  const ctx = await hostDir(work, 'withvol-context', {
    Dockerfile: 'FROM busybox\nRUN mkdir -m 750 /vol && echo seeded > /vol/seed && chown -R 65534:65534 /vol\nVOLUME /vol\n',
  });
  await ok(berth(root, ['build', '-t', 'withvol', ctx]));
}

test('volume create, ls, inspect and rm print and fail as docker volume does', async (t) => {
  const { root, work } = await fixture(t);
  assert.equal((await ok(berth(root, ['volume', 'create', 'beta']))).stdout, 'beta\n');
  assert.equal((await ok(berth(root, ['volume', 'create', '--label', 'tier=db', '--label', 'keep', 'alpha']))).stdout, 'alpha\n');
  assert.equal((await ok(berth(root, ['volume', 'create', 'beta']))).stdout, 'beta\n', 'creating a volume that exists gives that volume');

  // ls: docker/cli's table, sorted by name; -q; filters; --format.
  assert.equal((await ok(berth(root, ['volume', 'ls']))).stdout, 'DRIVER    VOLUME NAME\nlocal     alpha\nlocal     beta\n');
  assert.equal((await ok(berth(root, ['volume', 'list', '-q']))).stdout, 'alpha\nbeta\n');
  assert.deepEqual(await volumeNames(root, '--filter', 'name=alp'), ['alpha'], 'name= matches part of the name');
  assert.deepEqual(await volumeNames(root, '--filter', 'label=tier'), ['alpha']);
  assert.deepEqual(await volumeNames(root, '--filter', 'label=tier=db'), ['alpha']);
  assert.deepEqual(await volumeNames(root, '-f', 'label=tier=web'), []);
  assert.equal((await ok(berth(root, ['volume', 'ls', '--format', '{{.Name}}']))).stdout, 'alpha\nbeta\n');
  assert.equal((await ok(berth(root, ['volume', 'ls', '--format', '{{.Driver}}:{{.Name}}', '--filter', 'name=beta']))).stdout, 'local:beta\n');

  // inspect: a JSON array of Docker's volume objects.
  const raw = (await ok(berth(root, ['volume', 'inspect', 'alpha']))).stdout;
  assert.ok(raw.startsWith('[\n    {\n'), `indented as docker inspect: ${raw}`);
  const alpha = await inspectVolume(root, 'alpha');
  assert.deepEqual(Object.keys(alpha).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
  assert.equal(alpha.Name, 'alpha');
  assert.equal(alpha.Driver, 'local');
  assert.equal(alpha.Scope, 'local');
  assert.deepEqual(alpha.Labels, { tier: 'db', keep: '' });
  assert.match(alpha.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/, 'RFC 3339, in seconds');
  assert.ok(Math.abs(Date.parse(alpha.CreatedAt) - Date.now()) < 10 * 60_000, `created just now: ${alpha.CreatedAt}`);
  assert.ok(alpha.Mountpoint.startsWith(`${root}/`), `the volume's data lives in the root: ${alpha.Mountpoint}`);
  assert.ok(statSync(alpha.Mountpoint).isDirectory());
  assert.equal((await ok(berth(root, ['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}} {{index .Labels "tier"}}', 'alpha']))).stdout, 'alpha local local db\n');
  const missing = await berth(root, ['volume', 'inspect', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /get nope: no such volume/);

  // Without a name: a random 64-hex one, labelled anonymous (Docker >= 23).
  const anon = (await ok(berth(root, ['volume', 'create']))).stdout.trim();
  assert.match(anon, HEX64);
  assert.deepEqual((await inspectVolume(root, anon)).Labels, { 'com.docker.volume.anonymous': '' });
  assert.deepEqual((await volumeNames(root)).sort(), [anon, 'alpha', 'beta'].sort());
  const bad = await berth(root, ['volume', 'create', 'bad/name']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/);

  // dangling: referenced by no container, running or not.
  const user = (await ok(berth(root, ['create', '--name', 'user', '-v', 'alpha:/a', 'busybox']))).stdout.trim();
  assert.deepEqual(await volumeNames(root, '--filter', 'dangling=false'), ['alpha']);
  assert.deepEqual((await volumeNames(root, '--filter', 'dangling=true')).sort(), [anon, 'beta'].sort());

  // rm prints each name; a missing volume and one in use are errors (exit 1).
  assert.equal((await ok(berth(root, ['volume', 'rm', 'beta', anon]))).stdout, `beta\n${anon}\n`);
  const gone = await berth(root, ['volume', 'rm', 'nope']);
  assert.deepEqual([gone.code, gone.stderr], [1, 'Error response from daemon: get nope: no such volume\n']);
  const inUse = await berth(root, ['volume', 'rm', 'alpha']);
  assert.equal(inUse.code, 1);
  assert.equal(inUse.stderr, `Error response from daemon: remove alpha: volume is in use - [${user}]\n`);
  assert.deepEqual(await volumeNames(root), ['alpha']);
  await ok(berth(root, ['rm', 'user']));
  assert.equal((await ok(berth(root, ['volume', 'rm', 'alpha']))).stdout, 'alpha\n');
  assert.equal(existsSync(alpha.Mountpoint), false, 'the data went with the volume');
  assert.equal((await ok(berth(root, ['volume', 'ls']))).stdout, 'DRIVER    VOLUME NAME\n');
  // Labels is a map[string]string in Docker: a missing key is "", not "<no value>".
  await ok(berth(root, ['volume', 'create', 'plain']));
  assert.equal((await ok(berth(root, ['volume', 'inspect', '-f', '{{.Name}}|{{index .Labels "tier"}}|', 'plain']))).stdout, 'plain||\n');
  await nothingLeftMounted(root, work);
});

test('volume prune removes unused anonymous volumes, -a unused named ones too, and says what it freed', async (t) => {
  const { root, work } = await fixture(t);
  await ok(berth(root, ['volume', 'create', 'named']));
  await ok(berth(root, ['run', '--rm', '-v', 'named:/d', 'busybox', 'sh', '-c', 'head -c 300000 /dev/zero > /d/f']));
  // rm without -v leaves a container's anonymous volume behind.
  await ok(berth(root, ['run', '--name', 'anon', '-v', '/anon', 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /anon/f']));
  const anon = (await mountsOf(root, 'anon'))[0]?.Name ?? assert.fail('no anonymous volume in .Mounts');
  assert.match(anon, HEX64);
  await ok(berth(root, ['rm', 'anon']));
  const blank = (await ok(berth(root, ['volume', 'create']))).stdout.trim();
  // A volume a container refers to is used, even when the container is not running.
  await ok(berth(root, ['create', '--name', 'holder', '-v', 'used:/u', 'busybox']));
  assert.deepEqual((await volumeNames(root)).sort(), [anon, blank, 'named', 'used'].sort());

  const asked = await berth(root, ['volume', 'prune'], { input: 'n\n' });
  assert.match(asked.stdout, /^WARNING! This will remove anonymous local volumes not used by at least one container\.\nAre you sure you want to continue\? \[y\/N\] /);
  assert.equal((await volumeNames(root)).length, 4, 'answering no removes nothing');

  const pruned = (await ok(berth(root, ['volume', 'prune', '-f']))).stdout.split('\n');
  assert.equal(pruned[0], 'Deleted Volumes:');
  assert.deepEqual(pruned.slice(1, 3).sort(), [anon, blank].sort(), 'the anonymous volumes, those of containers and those made without a name');
  assert.deepEqual(pruned.slice(3), ['', 'Total reclaimed space: 100kB', '']);
  assert.deepEqual(await volumeNames(root), ['named', 'used']);

  assert.equal((await ok(berth(root, ['volume', 'prune', '-f', '-a']))).stdout, 'Deleted Volumes:\nnamed\n\nTotal reclaimed space: 300kB\n');
  assert.deepEqual(await volumeNames(root), ['used']);
  assert.equal((await ok(berth(root, ['volume', 'prune', '-f', '--all']))).stdout, 'Total reclaimed space: 0B\n');
  await ok(berth(root, ['rm', 'holder']));
  assert.equal((await ok(berth(root, ['volume', 'prune', '-a', '-f']))).stdout, 'Deleted Volumes:\nused\n\nTotal reclaimed space: 0B\n');
  await nothingLeftMounted(root, work);
});

test('a named volume outlives its container, is shared by running containers, and can be mounted read-only', async (t) => {
  const { root, work } = await fixture(t);
  await ok(berth(root, ['run', '--rm', '-v', 'data:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']));
  assert.deepEqual(await volumeNames(root), ['data'], '-v NAME:PATH made the volume, and run --rm kept it (it is named)');
  assert.equal((await ok(berth(root, ['run', '--rm', '-v', 'data:/data', 'busybox', 'cat', '/data/f']))).stdout, 'kept\n');
  const { Mountpoint } = await inspectVolume(root, 'data');
  assert.equal(readFileSync(join(Mountpoint, 'f'), 'utf8'), 'kept\n', "the volume's Mountpoint holds its files");

  // Two containers at once: what one writes the other sees.
  await ok(berth(root, ['run', '-d', '--name', 'writer', '-v', 'data:/shared', 'busybox', 'sleep', '300']));
  await ok(berth(root, ['exec', 'writer', 'sh', '-c', 'echo from-a > /shared/a']));
  assert.equal((await ok(berth(root, ['run', '--rm', '-v', 'data:/data', 'busybox', 'cat', '/data/a']))).stdout, 'from-a\n');
  await ok(berth(root, ['run', '--rm', '-v', 'data:/data', 'busybox', 'sh', '-c', 'echo from-b > /data/b']));
  assert.equal((await ok(berth(root, ['exec', 'writer', 'cat', '/shared/b']))).stdout, 'from-b\n');

  // :ro: readable, not writable.
  const ro = await berth(root, ['run', '--rm', '-v', 'data:/data:ro', 'busybox', 'sh', '-c', 'cat /data/f; echo no > /data/g']);
  assert.notEqual(ro.code, 0);
  assert.equal(ro.stdout, 'kept\n');
  assert.match(ro.stderr, /Read-only file system/);
  assert.equal((await ok(berth(root, ['exec', 'writer', 'ls', '/shared']))).stdout, 'a\nb\nf\n');

  // rm -v never removes a named volume.
  await ok(berth(root, ['rm', '-f', '-v', 'writer']));
  assert.deepEqual(await volumeNames(root), ['data']);
  assert.equal((await ok(berth(root, ['run', '--rm', '-v', 'data:/data', 'busybox', 'cat', '/data/a', '/data/b']))).stdout, 'from-a\nfrom-b\n');
  await nothingLeftMounted(root, work);
});

test('bind mounts: -v HOSTDIR:PATH and --mount type=bind, read-only, a missing source', async (t) => {
  const { root, work } = await fixture(t);
  const host = await hostDir(work, 'host', { 'from-host': 'hello\n' });
  const r = await ok(berth(root, ['run', '--rm', '-v', `${host}:/mnt`, 'busybox', 'sh', '-c', 'cat /mnt/from-host; echo back > /mnt/from-container']));
  assert.equal(r.stdout, 'hello\n');
  assert.equal(readFileSync(join(host, 'from-container'), 'utf8'), 'back\n', 'what the container wrote is on the host');

  const ro = await berth(root, ['run', '--rm', '-v', `${host}:/mnt:ro`, 'busybox', 'sh', '-c', 'cat /mnt/from-host; touch /mnt/x']);
  assert.notEqual(ro.code, 0);
  assert.equal(ro.stdout, 'hello\n');
  assert.match(ro.stderr, /Read-only file system/);
  const readonly = await berth(root, ['run', '--rm', '--mount', `type=bind,source=${host},target=/mnt,readonly`, 'busybox', 'sh', '-c', 'cat /mnt/from-container; touch /mnt/y']);
  assert.notEqual(readonly.code, 0);
  assert.equal(readonly.stdout, 'back\n');
  assert.match(readonly.stderr, /Read-only file system/);
  assert.deepEqual(readdirSync(host).sort(), ['from-container', 'from-host'], 'nothing written through a read-only mount');
  await ok(berth(root, ['run', '--rm', '--mount', `type=bind,src=${host},dst=/m2`, 'busybox', 'sh', '-c', 'echo via-mount > /m2/mounted']));
  assert.equal(readFileSync(join(host, 'mounted'), 'utf8'), 'via-mount\n');

  // A single file.
  const conf = join(work, 'app.conf');
  await writeFile(conf, 'setting=1\n');
  assert.equal((await ok(berth(root, ['run', '--rm', '-v', `${conf}:/etc/app.conf:ro`, 'busybox', 'cat', '/etc/app.conf']))).stdout, 'setting=1\n');

  // --mount wants the source to exist; -v makes a missing one (a directory), as Docker does.
  const nope = join(work, 'nope');
  const missing = await berth(root, ['run', '--rm', '--mount', `type=bind,source=${nope},target=/mnt`, 'busybox', 'true']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${nope}`));
  assert.equal(existsSync(nope), false);
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '', 'no container was left');
  const made = join(work, 'made', 'deep');
  await ok(berth(root, ['run', '--rm', '-v', `${made}:/mnt`, 'busybox', 'sh', '-c', 'echo new > /mnt/f']));
  assert.ok(statSync(made).isDirectory(), '-v made the missing host directory');
  assert.equal(readFileSync(join(made, 'f'), 'utf8'), 'new\n');
  assert.deepEqual(await volumeNames(root), [], 'bind mounts are not volumes');
  await nothingLeftMounted(root, work);
});

test('--mount type=volume makes the volume; --mount type=tmpfs and --tmpfs are tmpfs that keep nothing', async (t) => {
  const { root, work } = await fixture(t);
  await ok(berth(root, ['run', '--rm', '--mount', 'type=volume,source=mvol,target=/p', 'busybox', 'sh', '-c', 'echo in-p > /p/f']));
  assert.deepEqual(await volumeNames(root), ['mvol']);
  assert.equal((await ok(berth(root, ['run', '--rm', '-v', 'mvol:/q', 'busybox', 'cat', '/q/f']))).stdout, 'in-p\n');
  const ro = await berth(root, ['run', '--rm', '--mount', 'type=volume,src=mvol,dst=/p,readonly', 'busybox', 'touch', '/p/x']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);

  // --mount type=tmpfs: a tmpfs of that size and mode; what was written there is gone on the next start.
  const script = "ls /t; grep ' /t ' /proc/mounts; stat -c %a /t; echo x > /t/f; cat /t/f";
  const first = await ok(berth(root, ['run', '--name', 'tm', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770', 'busybox', 'sh', '-c', script]));
  const [line, mode, x] = first.stdout.split('\n');
  assert.match(line ?? '', /^tmpfs \/t tmpfs rw,/);
  assert.match(line ?? '', /[,]size=1024k[, ]/);
  assert.match(line ?? '', /[,]mode=1770[, ]/);
  assert.deepEqual([mode, x], ['1770', 'x']);
  // (On a restart runc gives the tmpfs the mode of the directory it mounts over, which the first start
  // made: the mode is not compared again.)
  const again = (await ok(berth(root, ['start', '-a', 'tm']))).stdout.split('\n');
  assert.equal(again[0], line, 'the file written in the tmpfs did not survive (ls /t printed nothing)');
  assert.equal(again[2], 'x');

  // --tmpfs PATH[:OPTIONS]: Docker's defaults noexec, nosuid, nodev.
  const tmpfs = await ok(berth(root, ['run', '--name', 'tf', '--tmpfs', '/t', '--tmpfs', '/u:size=64k', 'busybox', 'sh', '-c', "grep -E ' /(t|u) ' /proc/mounts"]));
  const lines = tmpfs.stdout.split('\n').filter(Boolean).sort();
  assert.equal(lines.length, 2, tmpfs.stdout);
  assert.match(lines[0] ?? '', /^tmpfs \/t tmpfs rw,/);
  for (const opt of ['nosuid', 'nodev', 'noexec']) assert.ok(lines[0]?.split(' ')[3]?.split(',').includes(opt), `--tmpfs is ${opt}: ${lines[0]}`);
  assert.match(lines[1] ?? '', /^tmpfs \/u tmpfs rw,.*size=64k/);
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{json .HostConfig.Tmpfs}}', 'tf']))).stdout, '{"/t":"","/u":"size=64k"}\n');
  assert.deepEqual(await volumeNames(root), ['mvol'], 'tmpfs mounts are not volumes');
  await nothingLeftMounted(root, work);
});

test("an image's VOLUME gets an anonymous volume filled from the image; rm -v and run --rm remove it", async (t) => {
  const { root, work } = await fixture(t);
  await buildWithVol(root, work);
  const first = await ok(berth(root, ['run', '--name', 'first', 'withvol', 'sh', '-c', "cat /vol/seed; stat -c '%u:%g %a' /vol /vol/seed; echo more >> /vol/seed"]));
  assert.equal(first.stdout, 'seeded\n65534:65534 750\n65534:65534 644\n', "the image's files, owners and modes were copied into the new volume");
  const [m, ...others] = await mountsOf(root, 'first');
  assert.equal(others.length, 0);
  const name = m?.Name ?? assert.fail('no volume in .Mounts');
  assert.match(name, HEX64);
  const vol = await inspectVolume(root, name);
  assert.deepEqual(m, { Type: 'volume', Name: name, Source: vol.Mountpoint, Destination: '/vol', Driver: 'local', Mode: '', RW: true, Propagation: '' });
  assert.deepEqual(vol.Labels, { 'com.docker.volume.anonymous': '' });
  assert.equal(readFileSync(join(vol.Mountpoint, 'seed'), 'utf8'), 'seeded\nmore\n');

  // Started again, the container has the same volume, with what it wrote.
  const again = await ok(berth(root, ['start', '-a', 'first']));
  assert.match(again.stdout, /^seeded\nmore\n/);
  assert.equal((await mountsOf(root, 'first'))[0]?.Name, name);

  // Another container of the image gets a volume of its own; rm keeps it, rm -v removes it.
  assert.equal((await ok(berth(root, ['run', '--name', 'second', 'withvol', 'cat', '/vol/seed']))).stdout, 'seeded\n');
  const secondVolume = (await mountsOf(root, 'second'))[0]?.Name ?? assert.fail('no volume for second');
  assert.notEqual(secondVolume, name);
  await ok(berth(root, ['rm', 'second']));
  assert.ok((await volumeNames(root)).includes(secondVolume), 'rm without -v keeps the anonymous volume');
  assert.equal((await ok(berth(root, ['rm', '-v', 'first']))).stdout, 'first\n');
  assert.ok(!(await volumeNames(root)).includes(name), 'rm -v removed the anonymous volume');
  assert.equal(existsSync(vol.Mountpoint), false);

  // run --rm removes the anonymous volumes: the image's, -v PATH's, and --mount's without a source.
  const before = await volumeNames(root);
  const anon = await ok(berth(root, ['run', '--rm', '-v', '/anon', '--mount', 'type=volume,target=/anon2', 'withvol', 'sh', '-c', 'cat /vol/seed; ls -A /anon /anon2']));
  assert.equal(anon.stdout, 'seeded\n/anon:\n\n/anon2:\n');
  assert.deepEqual(await volumeNames(root), before);

  // A named volume is filled from the image only when it is empty, and rm -v keeps it.
  assert.equal((await ok(berth(root, ['run', '--name', 'named', '-v', 'keep:/vol', 'withvol', 'cat', '/vol/seed']))).stdout, 'seeded\n');
  await ok(berth(root, ['rm', '-v', 'named']));
  assert.ok((await volumeNames(root)).includes('keep'), 'rm -v keeps a named volume');
  await ok(berth(root, ['run', '--rm', '-v', 'other:/vol', 'busybox', 'sh', '-c', 'echo mine > /vol/mine']));
  assert.equal((await ok(berth(root, ['run', '--rm', '-v', 'other:/vol', 'withvol', 'ls', '-A', '/vol']))).stdout, 'mine\n', 'a volume with files is not filled');
  assert.equal((await ok(berth(root, ['run', '--rm', '--mount', 'type=volume,source=bare,target=/vol,volume-nocopy', 'withvol', 'ls', '-A', '/vol']))).stdout, '', 'volume-nocopy');
  // A bind mount over the VOLUME path is not filled either.
  const host = await hostDir(work, 'empty');
  assert.equal((await ok(berth(root, ['run', '--rm', '-v', `${host}:/vol`, 'withvol', 'ls', '-A', '/vol']))).stdout, '');
  assert.deepEqual(readdirSync(host), []);
  await nothingLeftMounted(root, work);
});

test("--volumes-from mounts another container's volumes and binds at the same paths", async (t) => {
  const { root, work } = await fixture(t);
  await buildWithVol(root, work);
  const host = await hostDir(work, 'host', { hostfile: 'on the host\n' });
  await ok(berth(root, ['run', '--name', 'src', '-v', 'data:/data', '-v', `${host}:/h`, '-v', '/anon', 'withvol', 'sh', '-c', 'echo d > /data/f; echo a > /anon/f']));
  const r = await ok(berth(root, ['run', '--rm', '--volumes-from', 'src', 'busybox', 'sh', '-c', 'cat /vol/seed /data/f /h/hostfile /anon/f; echo w > /data/w']));
  assert.equal(r.stdout, 'seeded\nd\non the host\na\n');

  const srcMounts = await mountsOf(root, 'src');
  assert.deepEqual(srcMounts.map((m) => `${m.Type} ${m.Destination}`), ['volume /anon', 'volume /data', 'bind /h', 'volume /vol']);
  const shape = (ms: MountPoint[]): unknown[] => ms.map(({ Type, Name, Source, Destination, Driver, RW }) => ({ Type, Name, Source, Destination, Driver, RW }));
  await ok(berth(root, ['create', '--name', 'user', '--volumes-from', 'src', 'busybox']));
  assert.deepEqual(shape(await mountsOf(root, 'user')), shape(srcMounts), 'the same volumes and binds, at the same paths');
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{json .HostConfig.VolumesFrom}}', 'user']))).stdout, '["src"]\n');

  // src:ro: all of them read-only.
  await ok(berth(root, ['create', '--name', 'reader', '--volumes-from', 'src:ro', 'busybox']));
  assert.deepEqual((await mountsOf(root, 'reader')).map((m) => m.RW), [false, false, false, false]);
  const ro = await berth(root, ['run', '--rm', '--volumes-from', 'src:ro', 'busybox', 'sh', '-c', 'cat /data/w; touch /data/x']);
  assert.notEqual(ro.code, 0);
  assert.equal(ro.stdout, 'w\n');
  assert.match(ro.stderr, /Read-only file system/);

  // rm -v of the containers that borrowed them removes none; rm -v of src removes its anonymous ones.
  const anonymous = srcMounts.filter((m) => m.Type === 'volume' && m.Name !== 'data').map((m) => m.Name as string);
  assert.equal(anonymous.length, 2);
  await ok(berth(root, ['rm', '-v', 'user', 'reader']));
  assert.deepEqual((await volumeNames(root)).sort(), [...anonymous, 'data'].sort());
  await ok(berth(root, ['rm', '-v', 'src']));
  assert.deepEqual(await volumeNames(root), ['data']);
  assert.equal(readFileSync(join(host, 'hostfile'), 'utf8'), 'on the host\n', 'rm -v leaves bind sources alone');
  await nothingLeftMounted(root, work);
});

test('inspect shows each mount as Docker does, and the container gets each with its mode', async (t) => {
  const { root, work } = await fixture(t);
  const host = await hostDir(work, 'host');
  const host2 = await hostDir(work, 'host2');
  await ok(berth(root, ['create', '--name', 'mounts',
    '-v', 'named:/named', '-v', 'rovol:/rovol:ro', '-v', `${host}:/bind`, '-v', `${host2}:/bindro:ro`,
    '--mount', `type=bind,source=${host},target=/mb,readonly`, '--mount', 'type=volume,source=mv,target=/mv', '--mount', 'type=tmpfs,target=/tm',
    '-v', '/anon', '--tmpfs', '/t',
    'busybox', 'cat', '/proc/mounts']));
  // Volumes are made when the container is.
  const names = await volumeNames(root);
  const anon = names.find((n) => HEX64.test(n)) ?? assert.fail(`no anonymous volume among ${names.join(' ')}`);
  assert.deepEqual(names.sort(), [anon, 'mv', 'named', 'rovol'].sort());
  const source = async (name: string): Promise<string> => (await inspectVolume(root, name)).Mountpoint;
  const volume = async (name: string, destination: string, mode: string, rw: boolean): Promise<MountPoint> =>
    ({ Type: 'volume', Name: name, Source: await source(name), Destination: destination, Driver: 'local', Mode: mode, RW: rw, Propagation: '' });
  const bind = (src: string, destination: string, mode: string, rw: boolean): MountPoint =>
    ({ Type: 'bind', Source: src, Destination: destination, Mode: mode, RW: rw, Propagation: 'rprivate' });
  // Docker: -v NAME:PATH and --mount type=volume have the mode "z" on Linux; a VOLUME or -v PATH none;
  // a bind none unless given; --tmpfs mounts are not listed (they are in HostConfig.Tmpfs).
  assert.deepEqual(await mountsOf(root, 'mounts'), [
    await volume(anon, '/anon', '', true),
    bind(host, '/bind', '', true),
    bind(host2, '/bindro', 'ro', false),
    bind(host, '/mb', '', false),
    await volume('mv', '/mv', 'z', true),
    await volume('named', '/named', 'z', true),
    await volume('rovol', '/rovol', 'ro', false),
    { Type: 'tmpfs', Source: '', Destination: '/tm', Mode: '', RW: true, Propagation: '' },
  ]);
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{json .HostConfig.Binds}}', 'mounts']))).stdout,
    `${JSON.stringify(['named:/named', 'rovol:/rovol:ro', `${host}:/bind`, `${host2}:/bindro:ro`])}\n`);
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{json .Config.Volumes}}', 'mounts']))).stdout, '{"/anon":{}}\n');

  // Each is mounted read-write or read-only as inspect says.
  const mounted = new Map((await ok(berth(root, ['start', '-a', 'mounts']))).stdout.split('\n').map((l) => l.split(' ')).map((f) => [f[1], f[3]?.split(',')[0]]));
  const expected: Record<string, string> = { '/anon': 'rw', '/bind': 'rw', '/bindro': 'ro', '/mb': 'ro', '/mv': 'rw', '/named': 'rw', '/rovol': 'ro', '/tm': 'rw', '/t': 'rw' };
  for (const [path, mode] of Object.entries(expected)) assert.equal(mounted.get(path), mode, `${path} is mounted ${mode}`);

  // rm -v: the anonymous volume goes, the named ones stay.
  await ok(berth(root, ['rm', '-v', 'mounts']));
  assert.deepEqual(await volumeNames(root), ['mv', 'named', 'rovol']);
  await nothingLeftMounted(root, work);
});

test('mount errors are reported as Docker reports them, and make no container', async (t) => {
  const { root, work } = await fixture(t);
  const cases: [string[], RegExp][] = [
    [['-v', `${work}:/x:bogus`], /invalid mode: bogus/],
    [['-v', 'vol-a:/x', '-v', 'vol-b:/x'], /Duplicate mount point: \/x/],
    [['-v', 'data:relative'], /invalid mount path: 'relative' mount path must be absolute/],
    // The daemon's message (docker/cli#820); a client that checks first may word it its own way.
    [['--mount', 'type=bind,target=/x'], /invalid mount config for type "bind": field Source must not be empty|source is required/],
    [['--mount', 'type=volume,source=x'], /target is required/],
    [['--volumes-from', 'nope'], /No such container: nope/],
  ];
  for (const [args, message] of cases) {
    const r = await berth(root, ['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '');
  await nothingLeftMounted(root, work);
});
