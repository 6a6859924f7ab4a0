// `berth cp` end to end: Docker's rules for where a copy lands, tar streams, ownership, symlinks,
// created and running containers, and containers whose symlinks point at the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berth, berthBin, ok, rootWithBusybox, run, tempDir } from './helpers.ts';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';

/** A busybox root and a local scratch directory, both removed (containers first) after the test. */
async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<{ root: string; dir: string }> {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const local = await tempDir('berth-cp-');
  t.after(local.cleanup);
  return { root, dir: local.dir };
}

/** GNU `tar -tv` of what `berth cp CONTAINER:PATH -` writes through a pipe, one "mode uid/gid name" per entry. */
async function listing(root: string, src: string): Promise<string[]> {
  const r = await run('bash', ['-c', 'set -o pipefail; "$0" --root "$1" cp "$2" - | tar -tvf - --numeric-owner', berthBin, root, src]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => {
    const f = l.split(/\s+/);
    return `${f[0]} ${f[1]} ${f.slice(5).join(' ')}`;
  });
}

/** The container's file, read back through cp (its content, or undefined when cp cannot find it). */
async function readBack(root: string, dir: string, src: string): Promise<string | undefined> {
  const out = join(dir, `readback-${Math.random().toString(36).slice(2)}`);
  const r = await berth(root, ['cp', src, out]);
  if (r.code !== 0) return undefined;
  return readFileSync(out, 'utf8');
}

function mountsOf(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root));
}

test('cp out of a created container: files, directories, "/." and new names, as Docker places them', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--name', 'box', 'busybox', 'true']));
  mkdirSync(join(dir, 'into'));
  // A file into an existing directory, and as a new name.
  await ok(berth(root, ['cp', 'box:/etc/passwd', join(dir, 'into')]));
  assert.equal(readFileSync(join(dir, 'into', 'passwd'), 'utf8'), PASSWD);
  await ok(berth(root, ['cp', 'box:/etc/passwd', join(dir, 'renamed')]));
  assert.equal(readFileSync(join(dir, 'renamed'), 'utf8'), PASSWD);
  // Over an existing file: replaced.
  writeFileSync(join(dir, 'existing'), 'old');
  await ok(berth(root, ['cp', 'box:/etc/group', join(dir, 'existing')]));
  assert.equal(readFileSync(join(dir, 'existing'), 'utf8'), 'root:x:0:\nnogroup:x:65534:\n');
  // A directory: created under the new name, copied into an existing one, or its contents with "/.".
  await ok(berth(root, ['cp', 'box:/etc', join(dir, 'etc-copy')]));
  assert.deepEqual(readdirSync(join(dir, 'etc-copy')).sort(), ['group', 'passwd']);
  await ok(berth(root, ['cp', 'box:/etc', join(dir, 'into')]));
  assert.deepEqual(readdirSync(join(dir, 'into', 'etc')).sort(), ['group', 'passwd']);
  mkdirSync(join(dir, 'contents'));
  await ok(berth(root, ['cp', 'box:/etc/.', join(dir, 'contents')]));
  assert.deepEqual(readdirSync(join(dir, 'contents')).sort(), ['group', 'passwd']);
  await ok(berth(root, ['cp', 'box:/etc/', join(dir, 'slash')]));
  assert.deepEqual(readdirSync(join(dir, 'slash')).sort(), ['group', 'passwd']);
  // Symlinks are copied as symlinks, the container's own target kept.
  await ok(berth(root, ['cp', 'box:/bin/sh', join(dir, 'sh')]));
  assert.equal(readlinkSync(join(dir, 'sh')), 'busybox');
  // Docker's errors, each with exit status 1.
  const missing = await berth(root, ['cp', 'box:/no/such/file', dir]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error: Could not find the file /no/such/file in container box\n');
  const notDir = await berth(root, ['cp', 'box:/etc/passwd', join(dir, 'absent') + '/']);
  assert.deepEqual([notDir.code, notDir.stderr], [1, 'Error: no such directory\n']);
  const dirToFile = await berth(root, ['cp', 'box:/etc', join(dir, 'renamed')]);
  assert.deepEqual([dirToFile.code, dirToFile.stderr], [1, 'Error: cannot copy directory\n']);
  const badOutput = await berth(root, ['cp', 'box:/etc/passwd', join(dir, 'no', 'where')]);
  assert.deepEqual([badOutput.code, badOutput.stderr], [1, `Error: invalid output path: directory "${join(dir, 'no')}" does not exist\n`]);
  const noContainer = await berth(root, ['cp', 'nosuch:/etc/passwd', dir]);
  assert.deepEqual([noContainer.code, noContainer.stderr], [1, 'Error: No such container: nosuch\n']);
  // Still a created container, and its root filesystem is not left mounted.
  assert.equal((await ok(berth(root, ['ps', '-a', '--format', '{{.State}}']))).stdout, 'created\n');
  assert.deepEqual(mountsOf(root), []);
});

test('cp into a created container: files, directories, "/." and new names; Docker\'s errors', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--name', 'box', 'busybox', 'true']));
  writeFileSync(join(dir, 'f'), 'file\n');
  mkdirSync(join(dir, 'd', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'd', 'sub', 'x'), 'x\n');
  writeFileSync(join(dir, 'd', '.wh.kept'), 'not a whiteout\n');
  await ok(berth(root, ['cp', join(dir, 'f'), 'box:/tmp']));
  await ok(berth(root, ['cp', join(dir, 'f'), 'box:/tmp/g']));
  await ok(berth(root, ['cp', join(dir, 'd'), 'box:/tmp/newdir']));
  await ok(berth(root, ['cp', join(dir, 'd'), 'box:/tmp']));
  await ok(berth(root, ['cp', join(dir, 'd') + '/.', 'box:/root']));
  assert.equal(await readBack(root, dir, 'box:/tmp/f'), 'file\n');
  assert.equal(await readBack(root, dir, 'box:/tmp/g'), 'file\n');
  writeFileSync(join(dir, 'f2'), 'replaced\n');
  await ok(berth(root, ['cp', join(dir, 'f2'), 'box:/tmp/g']));
  assert.equal(await readBack(root, dir, 'box:/tmp/g'), 'replaced\n', 'an existing file is replaced, under its own name');
  assert.equal(await readBack(root, dir, 'box:/tmp/newdir/sub/x'), 'x\n');
  assert.equal(await readBack(root, dir, 'box:/tmp/d/sub/x'), 'x\n');
  assert.equal(await readBack(root, dir, 'box:/root/sub/x'), 'x\n');
  assert.equal(await readBack(root, dir, 'box:/root/.wh.kept'), 'not a whiteout\n', 'a copy has no whiteouts');
  // "/." merges into the directory without changing it.
  assert.deepEqual(await listing(root, 'box:/root/.'), ['drwxr-xr-x 0/0 ./', '-rw-r--r-- 0/0 ./.wh.kept', 'drwxr-xr-x 0/0 ./sub/', '-rw-r--r-- 0/0 ./sub/x']);
  const errors: [string[], string][] = [
    [[join(dir, 'f'), 'box:/no/such/dir/f'], 'Error: Could not find the file /no/such/dir in container box\n'],
    [[join(dir, 'f'), 'box:/tmp/absent/'], 'Error: no such directory\n'],
    [[join(dir, 'd'), 'box:/etc/passwd'], 'Error: cannot copy directory\n'],
    [[join(dir, 'f'), 'box:/etc/passwd/x'], 'Error: extraction point is not a directory\n'],
    [[join(dir, 'missing'), 'box:/tmp'], `Error: lstat ${join(dir, 'missing')}: no such file or directory\n`],
    [[join(dir, 'f'), join(dir, 'g')], 'Error: must specify at least one container source\n'],
    [['box:/etc/passwd', 'box:/tmp'], 'Error: copying between containers is not supported\n'],
    [['', 'box:/tmp'], 'Error: source can not be empty\n'],
  ];
  for (const [args, message] of errors) {
    const r = await berth(root, ['cp', ...args]);
    assert.deepEqual([r.code, r.stderr], [1, message], args.join(' '));
  }
  // A directory never replaces a file, nor a file a directory.
  const over = await berth(root, ['cp', join(dir, 'f'), 'box:/tmp/d/sub']);
  assert.equal(over.code, 0, 'a file into an existing directory is fine');
  writeFileSync(join(dir, 'sub'), 'a file named like the directory\n');
  const clash = await berth(root, ['cp', join(dir, 'sub'), 'box:/tmp/d']);
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /^Error: archive entry "sub": cannot overwrite a directory with a non-directory\n$/);
  assert.deepEqual(mountsOf(root), []);
});

test('cp with a relative local path and a colon in a local name', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--name', 'box', 'busybox', 'true']));
  writeFileSync(join(dir, 'a:b'), 'colon\n');
  const r = await ok(inDir(root, ['cp', './a:b', 'box:/tmp/colon'], dir));
  assert.equal(r.stderr, '');
  await ok(inDir(root, ['cp', 'box:/tmp/colon', 'back'], dir));
  assert.equal(readFileSync(join(dir, 'back'), 'utf8'), 'colon\n');
});

/** berth in a working directory, for relative local paths. */
function inDir(root: string, args: string[], cwd: string): ReturnType<typeof berth> {
  return run(berthBin, ['--root', root, ...args], { cwd });
}

test('cp with -: a tar of the source on stdout, a tar from stdin extracted into a directory', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--name', 'box', 'busybox', 'true']));
  assert.deepEqual(await listing(root, 'box:/etc'), ['drwxr-xr-x 0/0 etc/', '-rw-r--r-- 0/0 etc/group', '-rw-r--r-- 0/0 etc/passwd']);
  assert.deepEqual(await listing(root, 'box:/etc/passwd'), ['-rw-r--r-- 0/0 passwd']);
  assert.deepEqual(await listing(root, 'box:/etc/.'), ['drwxr-xr-x 0/0 ./', '-rw-r--r-- 0/0 ./group', '-rw-r--r-- 0/0 ./passwd']);
  assert.deepEqual(await listing(root, 'box:/bin/sh'), ['lrwxrwxrwx 0/0 sh -> busybox']);
  assert.ok((await listing(root, 'box:/bin')).includes('-rwxr-xr-x 0/0 bin/busybox'), 'binary content streams intact');
  // GNU tar's archive of a directory ("./" first) into an existing directory of the container.
  mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'src', 'deep', 'file'), 'from stdin\n');
  chmodSync(join(dir, 'src'), 0o700);
  const tar = execFileSync('tar', ['-C', join(dir, 'src'), '-cf', '-', '.']);
  const r = await ok(berth(root, ['cp', '-', 'box:/tmp'], { input: tar }));
  assert.equal(r.stdout + r.stderr, '');
  assert.equal(await readBack(root, dir, 'box:/tmp/deep/file'), 'from stdin\n');
  assert.deepEqual((await listing(root, 'box:/tmp'))[0], 'drwxrwxrwt 0/0 tmp/', 'the "./" entry leaves /tmp as it was');
  const notDir = await berth(root, ['cp', '-', 'box:/etc/passwd'], { input: tar });
  assert.deepEqual([notDir.code, notDir.stderr], [1, 'Error: destination "box:/etc/passwd" must be a directory\n']);
  const missing = await berth(root, ['cp', '-', 'box:/nowhere'], { input: tar });
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error: destination "box:/nowhere" must be a directory\n']);
});

test('cp -a keeps uid/gid; without it, files copied in belong to root and files copied out to the caller', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--name', 'box', 'busybox', 'true']));
  mkdirSync(join(dir, 'owned'));
  writeFileSync(join(dir, 'owned', 'f'), 'owned\n');
  chownSync(join(dir, 'owned'), 1234, 5678);
  chownSync(join(dir, 'owned', 'f'), 1234, 5678);
  chmodSync(join(dir, 'owned', 'f'), 0o640);
  await ok(berth(root, ['cp', join(dir, 'owned'), 'box:/plain']));
  await ok(berth(root, ['cp', '-a', join(dir, 'owned'), 'box:/kept']));
  assert.deepEqual(await listing(root, 'box:/plain'), ['drwxr-xr-x 0/0 plain/', '-rw-r----- 0/0 plain/f']);
  assert.deepEqual(await listing(root, 'box:/kept'), ['drwxr-xr-x 1234/5678 kept/', '-rw-r----- 1234/5678 kept/f']);
  // And back out: the caller's ownership (berth runs as root here), or the container's with -a.
  await ok(berth(root, ['cp', 'box:/kept', join(dir, 'out-plain')]));
  await ok(berth(root, ['cp', '-a', 'box:/kept', join(dir, 'out-kept')]));
  const owner = (p: string): string => `${statSync(p).uid}:${statSync(p).gid}`;
  assert.equal(owner(join(dir, 'out-plain', 'f')), `${process.getuid?.()}:${process.getgid?.()}`);
  assert.equal(owner(join(dir, 'out-kept', 'f')), '1234:5678');
  assert.equal(owner(join(dir, 'out-kept')), '1234:5678');
  assert.equal(statSync(join(dir, 'out-plain', 'f')).mode & 0o777, 0o640, 'the mode is kept either way');
});

test('cp -L follows a symlink in SRC_PATH, on either side', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--name', 'box', 'busybox', 'true']));
  // A symlink copied in stays a symlink.
  symlinkSync('/etc/passwd', join(dir, 'link'));
  await ok(berth(root, ['cp', join(dir, 'link'), 'box:/tmp/link']));
  assert.deepEqual(await listing(root, 'box:/tmp/link'), ['lrwxrwxrwx 0/0 link -> /etc/passwd']);
  // Out: the link itself, or with -L the file it points to, under the link's name.
  mkdirSync(join(dir, 'out'));
  await ok(berth(root, ['cp', 'box:/tmp/link', join(dir, 'out')]));
  assert.equal(readlinkSync(join(dir, 'out', 'link')), '/etc/passwd');
  await ok(berth(root, ['cp', '-L', 'box:/tmp/link', join(dir, 'followed')]));
  assert.equal(readFileSync(join(dir, 'followed'), 'utf8'), PASSWD);
  mkdirSync(join(dir, 'out2'));
  await ok(berth(root, ['cp', '-L', 'box:/tmp/link', join(dir, 'out2')]));
  assert.equal(readFileSync(join(dir, 'out2', 'link'), 'utf8'), PASSWD);
  // In: -L copies the local link's target, under the link's name.
  writeFileSync(join(dir, 'target'), 'target\n');
  symlinkSync('target', join(dir, 'local-link'));
  await ok(berth(root, ['cp', '-L', join(dir, 'local-link'), 'box:/tmp']));
  assert.deepEqual(await listing(root, 'box:/tmp/local-link'), ['-rw-r--r-- 0/0 local-link']);
  // A symlink to a directory as the destination: the copy goes into the directory it names.
  symlinkSync('/tmp', join(dir, 'dirlink'));
  await ok(berth(root, ['cp', join(dir, 'dirlink'), 'box:/dirlink']));
  await ok(berth(root, ['cp', join(dir, 'target'), 'box:/dirlink']));
  assert.equal(await readBack(root, dir, 'box:/tmp/target'), 'target\n');
});

test('cp on a running container: files in are seen by its processes, files it writes come out', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['run', '-d', '--name', 'live', 'busybox', 'sh', '-c', 'echo written > /tmp/w; sleep 600']));
  writeFileSync(join(dir, 'in'), 'hello\n');
  const copied = await ok(berth(root, ['cp', '--quiet=false', join(dir, 'in'), 'live:/tmp/in']));
  assert.equal(copied.stderr, 'Successfully copied 2.05kB to live:/tmp/in\n');
  assert.equal((await ok(berth(root, ['exec', 'live', 'cat', '/tmp/in']))).stdout, 'hello\n');
  for (let i = 0; i < 50 && (await readBack(root, dir, 'live:/tmp/w')) === undefined; i++) await new Promise((r) => setTimeout(r, 100));
  const out = await ok(berth(root, ['cp', '--quiet=false', 'live:/tmp/w', join(dir, 'w')]));
  assert.equal(out.stderr, `Successfully copied 2.05kB to ${join(dir, 'w')}\n`);
  assert.equal(readFileSync(join(dir, 'w'), 'utf8'), 'written\n');
  // Quiet when asked, and when stdout is not a terminal (as here) unless told otherwise.
  assert.equal((await ok(berth(root, ['cp', '-q', 'live:/tmp/w', join(dir, 'w2')]))).stderr, '');
  assert.equal((await ok(berth(root, ['cp', 'live:/tmp/w', join(dir, 'w3')]))).stderr, '');
  assert.equal((await ok(berth(root, ['ps', '--format', '{{.State}}']))).stdout, 'running\n');
});

test('cp into a --read-only container is refused; out of it works', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--read-only', '--name', 'ro', 'busybox', 'true']));
  writeFileSync(join(dir, 'f'), 'f\n');
  const r = await berth(root, ['cp', join(dir, 'f'), 'ro:/tmp']);
  assert.deepEqual([r.code, r.stderr], [1, 'Error: container rootfs is marked read-only\n']);
  assert.equal(await readBack(root, dir, 'ro:/etc/passwd'), PASSWD);
});

test('a hostile container\'s symlinks to / and above it never lead cp to the host', async (t) => {
  const { root, dir } = await setup(t);
  await ok(berth(root, ['create', '--name', 'evil', 'busybox', 'true']));
  // The host side: a directory with a secret, which the container's links point at.
  const host = join(dir, 'host');
  mkdirSync(host);
  writeFileSync(join(host, 'secret'), 'HOST SECRET\n');
  const links = join(dir, 'links');
  mkdirSync(links);
  symlinkSync('/', join(links, 'target'));
  symlinkSync('../../../../../../..', join(links, 'up'));
  symlinkSync(host, join(links, 'hostdir'));
  symlinkSync(join(host, 'secret'), join(links, 'secret'));
  await ok(berth(root, ['cp', `${links}/.`, 'evil:/etc']));
  assert.deepEqual((await listing(root, 'evil:/etc/target')), ['lrwxrwxrwx 0/0 target -> /']);

  // Reading through the links reads the container's files.
  assert.equal(await readBack(root, dir, 'evil:/etc/target/etc/passwd'), PASSWD);
  assert.equal(await readBack(root, dir, 'evil:/etc/up/etc/passwd'), PASSWD);
  assert.equal(await readBack(root, dir, 'evil:/etc/up/../../etc/passwd'), PASSWD);
  const viaHostPath = await berth(root, ['cp', 'evil:/etc/hostdir/secret', join(dir, 'stolen')]);
  assert.deepEqual([viaHostPath.code, viaHostPath.stderr], [1, 'Error: Could not find the file /etc/hostdir/secret in container evil\n']);
  const followed = await berth(root, ['cp', '-L', 'evil:/etc/secret', join(dir, 'stolen')]);
  assert.deepEqual([followed.code, followed.stderr], [1, `Error: Could not find the file ${join(host, 'secret')} in container evil\n`]);
  const streamed = await berth(root, ['cp', 'evil:/etc/hostdir/', '-']);
  assert.equal(streamed.code, 1);
  assert.equal(existsSync(join(dir, 'stolen')), false);

  // Writing through them writes into the container's root.
  writeFileSync(join(dir, 'payload'), 'payload\n');
  await ok(berth(root, ['cp', join(dir, 'payload'), 'evil:/etc/target/berth-cp-escape-test']));
  await ok(berth(root, ['cp', join(dir, 'payload'), 'evil:/etc/up/']));
  await ok(berth(root, ['cp', join(dir, 'payload'), 'evil:/etc/up/tmp/../berth-cp-escape-up']));
  assert.equal(existsSync('/berth-cp-escape-test'), false);
  assert.equal(existsSync('/payload'), false);
  assert.equal(existsSync('/berth-cp-escape-up'), false);
  assert.equal(await readBack(root, dir, 'evil:/berth-cp-escape-test'), 'payload\n');
  assert.equal(await readBack(root, dir, 'evil:/payload'), 'payload\n');
  assert.equal(await readBack(root, dir, 'evil:/berth-cp-escape-up'), 'payload\n');
  const intoHost = await berth(root, ['cp', join(dir, 'payload'), 'evil:/etc/hostdir/x']);
  assert.deepEqual([intoHost.code, intoHost.stderr], [1, 'Error: Could not find the file /etc/hostdir in container evil\n']);
  const overSecret = await berth(root, ['cp', join(dir, 'payload'), 'evil:/etc/secret']);
  assert.equal(overSecret.code, 1, 'a link to a missing directory of the container');
  assert.deepEqual(readdirSync(host), ['secret']);
  assert.equal(readFileSync(join(host, 'secret'), 'utf8'), 'HOST SECRET\n');

  // A tar that writes through a link, or climbs out, is refused and changes nothing outside.
  const staging = join(dir, 'staging');
  mkdirSync(join(staging, 'etc', 'hostdir'), { recursive: true });
  writeFileSync(join(staging, 'etc', 'hostdir', 'planted'), 'planted\n');
  const through = execFileSync('tar', ['-C', staging, '-cf', '-', 'etc/hostdir/planted']);
  const r1 = await berth(root, ['cp', '-', 'evil:/'], { input: through });
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /its parent "etc\/hostdir" is a symbolic link/);
  const climbing = execFileSync('tar', ['-C', staging, '-cf', '-', '--transform', 's,^etc/hostdir/planted$,../../../planted,', '-P', 'etc/hostdir/planted']);
  const r2 = await berth(root, ['cp', '-', 'evil:/tmp'], { input: climbing });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /path escapes the layer root/);
  assert.deepEqual(readdirSync(host), ['secret']);
  assert.equal(lstatSync(join(dir, 'links', 'hostdir')).isSymbolicLink(), true);
  assert.deepEqual(mountsOf(root), []);
});
