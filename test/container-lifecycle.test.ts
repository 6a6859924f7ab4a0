// The rest of the `docker container` family on real containers: exec, pause/unpause, rename,
// restart, update, container prune, and attach without a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { berth, berthBin, ok, rootWithBusybox, run } from './helpers.ts';

const MEMORY_LIMIT = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max';

test('exec runs processes in a running container as docker exec does', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '-d', '--name', 'box', '-e', 'FROM_RUN=1', 'busybox', 'sleep', '300']));
  const r = await berth(root, ['exec', '-e', 'EXTRA=2', '-u', 'nobody', '-w', '/tmp', 'box', 'sh', '-c', 'echo $FROM_RUN $EXTRA; id -u; pwd; echo err >&2; exit 3']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [3, '1 2\n65534\n/tmp\n', 'err\n']);
  const notFound = await berth(root, ['exec', 'box', 'no-such-command']);
  assert.equal(notFound.code, 127);
  assert.match(notFound.stderr, /^OCI runtime exec failed: .*executable file not found in \$PATH: unknown\n$/);
  const notExecutable = await berth(root, ['exec', 'box', '/etc/passwd']);
  assert.equal(notExecutable.code, 126);
  assert.match(notExecutable.stderr, /permission denied/);
  assert.equal((await ok(berth(root, ['exec', '-i', 'box', 'cat'], { input: 'piped in\n' }))).stdout, 'piped in\n');
  assert.equal((await ok(berth(root, ['exec', 'box', 'cat'], { input: 'not read\n' }))).stdout, '', 'without -i, stdin is not passed');
  await ok(berth(root, ['exec', '-d', 'box', 'sh', '-c', 'echo later > /tmp/detached']));
  let seen = '';
  for (let i = 0; i < 50 && seen !== 'later\n'; i++) seen = (await berth(root, ['exec', 'box', 'cat', '/tmp/detached'])).stdout;
  assert.equal(seen, 'later\n', 'exec -d ran in the background');
  const caps = (await ok(berth(root, ['exec', '--privileged', 'box', 'grep', 'CapEff', '/proc/self/status']))).stdout;
  assert.notEqual(caps, 'CapEff:\t00000000a80425fb\n', '--privileged gives more than the default set');
  assert.ok(BigInt(`0x${caps.split('\t')[1]?.trim() ?? '0'}`) > 0xa80425fbn);
  // Errors as Docker's: a stopped container, a missing one.
  await ok(berth(root, ['run', '--name', 'done', 'busybox', 'true']));
  const stopped = await berth(root, ['exec', 'done', 'true']);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^Error response from daemon: container [0-9a-f]{64} is not running\n$/);
  const missing = await berth(root, ['exec', 'nope', 'true']);
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error response from daemon: No such container: nope\n']);
});

test('pause freezes, unpause thaws; rename; restart; update changes limits of a running container', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '-d', '--name', 'first', '--memory', '64m', 'busybox', 'sleep', '300']));
  assert.equal((await ok(berth(root, ['pause', 'first']))).stdout, 'first\n');
  assert.match((await ok(berth(root, ['ps', '--format', '{{.Status}}']))).stdout, /^Up .* \(Paused\)\n$/);
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'first']))).stdout, 'paused true\n');
  const again = await berth(root, ['pause', 'first']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is already paused/);
  assert.match((await berth(root, ['exec', 'first', 'true'])).stderr, /is paused, unpause the container before exec/);
  await ok(berth(root, ['unpause', 'first']));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.State.Status}}', 'first']))).stdout, 'running\n');
  assert.match((await berth(root, ['unpause', 'first'])).stderr, /is not paused/);

  await ok(berth(root, ['rename', 'first', 'second']));
  assert.equal((await ok(berth(root, ['ps', '--format', '{{.Names}}']))).stdout, 'second\n');
  await ok(berth(root, ['create', '--name', 'other', 'busybox']));
  const taken = await berth(root, ['rename', 'second', 'other']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /Conflict\. The container name "\/other" is already in use by container "[0-9a-f]{64}"/);

  assert.equal((await ok(berth(root, ['exec', 'second', 'sh', '-c', MEMORY_LIMIT]))).stdout, `${64 * 1024 * 1024}\n`);
  assert.equal((await ok(berth(root, ['update', '--memory', '96m', '--pids-limit', '30', 'second']))).stdout, 'second\n');
  assert.equal((await ok(berth(root, ['exec', 'second', 'sh', '-c', MEMORY_LIMIT]))).stdout, `${96 * 1024 * 1024}\n`, 'the running container got the new limit');
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}', 'second']))).stdout, `${96 * 1024 * 1024} 30\n`);
  assert.equal((await berth(root, ['update', 'second'])).code, 125, 'update without a flag is a usage error');

  const before = (await ok(berth(root, ['inspect', '-f', '{{.State.StartedAt}} {{.State.Pid}}', 'second']))).stdout;
  assert.equal((await ok(berth(root, ['restart', '-t', '0', 'second']))).stdout, 'second\n');
  const after = (await ok(berth(root, ['inspect', '-f', '{{.State.StartedAt}} {{.State.Pid}} {{.State.Status}}', 'second']))).stdout;
  assert.notEqual(after.split(' ').slice(0, 2).join(' '), before.trim(), 'a new process, started anew');
  assert.match(after, / running\n$/);
  assert.equal((await ok(berth(root, ['exec', 'second', 'sh', '-c', MEMORY_LIMIT]))).stdout, `${96 * 1024 * 1024}\n`, 'the updated limit survives a restart');
});

test('container prune removes what is not running, and says what it freed', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '-d', '--name', 'up', 'busybox', 'sleep', '300']));
  await ok(berth(root, ['run', '--name', 'wrote', 'busybox', 'sh', '-c', 'head -c 300000 /dev/zero > /big']));
  await ok(berth(root, ['create', '--name', 'made', '--label', 'keep=yes', 'busybox']));
  const wrote = (await ok(berth(root, ['inspect', '-f', '{{.Id}}', 'wrote']))).stdout.trim();
  const nothing = await ok(berth(root, ['container', 'prune'], { input: 'n\n' }));
  assert.match(nothing.stdout, /WARNING! This will remove all stopped containers\.\nAre you sure you want to continue\? \[y\/N\] $/);
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout.split('\n').filter(Boolean).length, 3, 'answering no removes nothing');
  const made = (await ok(berth(root, ['inspect', '-f', '{{.Id}}', 'made']))).stdout.trim();
  const old = await ok(berth(root, ['container', 'prune', '-f', '--filter', 'until=1h']));
  assert.equal(old.stdout, 'Total reclaimed space: 0B\n', 'until=1h: nothing that old');
  const labelled = await ok(berth(root, ['container', 'prune', '-f', '--filter', 'label=keep=yes']));
  assert.equal(labelled.stdout, `Deleted Containers:\n${made}\n\nTotal reclaimed space: 0B\n`);
  const all = await ok(berth(root, ['container', 'prune', '-f']));
  assert.equal(all.stdout, `Deleted Containers:\n${wrote}\n\nTotal reclaimed space: 300kB\n`);
  assert.equal((await ok(berth(root, ['ps', '-a', '--format', '{{.Names}}']))).stdout, 'up\n');
});

test('attach without a terminal: several clients, stdin kept open for a detached -i container', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '-d', '-i', '--name', 'reader', 'busybox', 'sh', '-c', 'while read l; do echo "line:$l"; done; echo bye; exit 7']));
  // The first client's end of input does not close the container's stdin (it was not started attached).
  const first = spawn(berthBin, ['--root', root, 'attach', 'reader'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  first.stdout.on('data', (c: Buffer) => (out += c.toString()));
  first.stdin.end('one\n');
  for (let i = 0; i < 100 && !out.includes('line:one'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(out, /line:one/);
  await ok(berth(root, ['exec', 'reader', 'true']));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.State.Running}}', 'reader']))).stdout, 'true\n');
  const stopped = await berth(root, ['attach', 'nope']);
  assert.deepEqual([stopped.code, stopped.stderr], [1, 'Error response from daemon: No such container: nope\n']);
  await ok(berth(root, ['kill', 'reader']));
  const code = await new Promise<number>((resolve) => first.on('exit', (c) => resolve(c ?? -1)));
  assert.equal(code, 137, "attach ends with the container's exit code");
  const done = await berth(root, ['attach', 'reader']);
  assert.equal(done.code, 1);
  assert.match(done.stderr, /You cannot attach to a stopped container, start it first/);
});

test('commit makes an image of the container: added, changed and deleted files, its config, --change', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '--name', 'made', '-e', 'STAGE=built', '-w', '/srv', 'busybox', 'sh', '-c',
    'echo new > /added; rm /bin/vi; echo changed > /etc/group; mkdir -p /srv/data && echo kept > /srv/data/f']));
  const id = (await ok(berth(root, ['commit', '-m', 'a message', '-a', 'An Author', '-c', 'CMD ["cat", "/added"]', '-c', 'LABEL stage=two', 'made', 'made:1']))).stdout.trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await ok(berth(root, ['run', '--rm', 'made:1']))).stdout, 'new\n', 'the --change CMD runs');
  const seen = await ok(berth(root, ['run', '--rm', 'made:1', 'sh', '-c', 'ls /bin/vi 2>&1; cat /etc/group; cat data/f; echo $STAGE; pwd']));
  assert.equal(seen.stdout, 'ls: /bin/vi: No such file or directory\nchanged\nkept\nbuilt\n/srv\n', 'a deletion is a whiteout; the container config is kept');
  const info = (await ok(berth(root, ['image', 'inspect', '-f', '{{.Author}}|{{.Comment}}|{{index .Config.Labels "stage"}}|{{len .RootFS.Layers}}', 'made:1']))).stdout;
  assert.equal(info, 'An Author|a message|two|2\n');
  assert.match((await ok(berth(root, ['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'made:1']))).stdout, /^sh -c echo new > \/added; .*\|a message\n/);
  // A running container is paused for the commit and runs on after it.
  await ok(berth(root, ['run', '-d', '--name', 'live', 'busybox', 'sh', '-c', 'echo live > /live; sleep 300']));
  for (let i = 0; i < 50 && (await berth(root, ['exec', 'live', 'cat', '/live'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  await ok(berth(root, ['commit', 'live', 'live:1']));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.State.Status}}', 'live']))).stdout, 'running\n');
  assert.equal((await ok(berth(root, ['run', '--rm', 'live:1', 'cat', '/live']))).stdout, 'live\n');
  const missing = await berth(root, ['commit', 'nope']);
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error: No such container: nope\n']);
});

test('--init runs an init as PID 1 that forwards signals and reaps orphans', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const ps = await ok(berth(root, ['run', '--rm', '--init', 'busybox', 'sh', '-c', '(sleep 0.2 &); sleep 1; cat /proc/1/comm; ps -o stat | grep -c Z; true']));
  assert.equal(ps.stdout, 'berth-init\n0\n', 'the orphaned sleep was reaped');
  // sleep as PID 1 ignores SIGTERM (stop must kill it: 137); under the init it dies of it (143).
  await ok(berth(root, ['run', '-d', '--name', 'bare', 'busybox', 'sleep', '300']));
  await ok(berth(root, ['run', '-d', '--init', '--name', 'inited', 'busybox', 'sleep', '300']));
  await ok(berth(root, ['stop', '-t', '2', 'bare', 'inited']));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.State.ExitCode}}', 'bare', 'inited']))).stdout, '137\n143\n');
});

test('diff lists what the container changed; export writes its whole filesystem', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '--name', 'changed', 'busybox', 'sh', '-c',
    'echo x >> /etc/passwd; rm /etc/group; mkdir -p /var/new; echo n > /var/new/f; rm -rf /usr; mkdir /usr; touch /usr/lib']));
  // /usr was replaced (an opaque directory): what it had below is reported deleted. The mount
  // points the runtime made (/etc/hosts, /etc/hostname, /etc/resolv.conf) are not changes.
  assert.equal((await ok(berth(root, ['diff', 'changed']))).stdout,
    'C /etc\nD /etc/group\nC /etc/passwd\nC /usr\nD /usr/bin\nA /usr/lib\nC /var\nA /var/new\nA /var/new/f\n');
  await ok(berth(root, ['create', '--name', 'fresh', 'busybox']));
  assert.equal((await ok(berth(root, ['diff', 'fresh']))).stdout, '', 'a container never started changed nothing');
  const missing = await berth(root, ['diff', 'nope']);
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error: No such container: nope\n']);

  // A stopped container is mounted for the export and unmounted after.
  const file = join(root, '..', 'changed.tar');
  await ok(berth(root, ['export', '-o', file, 'changed']));
  const names = (await ok(run('tar', ['-tf', file]))).stdout.split('\n');
  for (const n of ['bin/busybox', 'etc/passwd', 'var/new/f', 'usr/lib']) assert.ok(names.includes(n), `${n} is in the export`);
  for (const n of ['etc/group', 'usr/bin/']) assert.ok(!names.includes(n), `${n} was deleted`);
  assert.match((await ok(run('tar', ['-xOf', file, 'etc/passwd']))).stdout, /\nx\n$/);
  assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root)), [], 'nothing left mounted');
  // A running one is exported as it is now, to standard output.
  await ok(berth(root, ['run', '-d', '--name', 'live', 'busybox', 'sleep', '300']));
  await ok(berth(root, ['exec', 'live', 'sh', '-c', 'echo now > /tmp/state']));
  assert.equal((await ok(run('sh', ['-c', `${berthBin} --root ${root} export live | tar -xO tmp/state`]))).stdout, 'now\n');
});

test('the copy snapshotter (vfs), for filesystems without overlay, runs and keeps containers', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const env = { BERTH_SNAPSHOTTER: 'vfs' };
  await ok(berth(root, ['run', '--name', 'copied', 'busybox', 'sh', '-c', 'echo kept > /note; rm /bin/vi'], { env }));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.Driver}} {{.GraphDriver.Name}}', 'copied']))).stdout, 'vfs vfs\n');
  const dir = (await ok(berth(root, ['inspect', '-f', '{{.GraphDriver.Data.Dir}}', 'copied']))).stdout.trim();
  assert.ok(dir.startsWith(root) && dir.endsWith('/rootfs'));
  assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root)), [], 'nothing is mounted');
  // Its files are its own and survive a restart; other containers of the image do not see them.
  const again = await berth(root, ['start', '-a', 'copied']);
  assert.deepEqual([again.code, again.stderr], [1, "rm: can't remove '/bin/vi': No such file or directory\n"]);
  assert.equal((await ok(berth(root, ['run', '--rm', 'busybox', 'ls', '/bin/vi'], { env }))).stdout, '/bin/vi\n');
  const commit = await berth(root, ['commit', 'copied']);
  assert.equal(commit.code, 1);
  assert.match(commit.stderr, /commit needs the overlay2 snapshotter: container [0-9a-f]{64} uses vfs/);
  const diff = await berth(root, ['diff', 'copied']);
  assert.equal(diff.code, 1);
  assert.match(diff.stderr, /diff needs the overlay2 snapshotter/);
  const exported = await ok(run('sh', ['-c', `${berthBin} --root ${root} export copied | tar -xO note`]));
  assert.equal(exported.stdout, 'kept\n', 'export works on a copy');
  await ok(berth(root, ['rm', 'copied']));
  assert.equal(existsSync(dir), false, 'rm deleted the copy');
  const bad = await berth(root, ['run', '--rm', 'busybox', 'true'], { env: { BERTH_SNAPSHOTTER: 'zfs' } });
  assert.deepEqual([bad.code, bad.stderr], [125, 'berth: Error: unknown snapshotter "zfs": use overlay2 or vfs\n']);
});
