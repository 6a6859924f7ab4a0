// Containers end to end on the real runtime (runc or crun), conmon and overlayfs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, makeBusyboxTar, ok, removeContainers, rootWithBusybox, tempDir } from './helpers.ts';

test('run prints the output and exits with the command\'s code', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const r = await berth(root, ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  // --rm left nothing: no container record, no container directory, no mount.
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '');
  assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root)), []);
});

test('an image\'s layers are unpacked when a container first needs them, once, and go with the image', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const layers = (): Promise<string[]> => readdir(join(root, 'layers'));
  assert.deepEqual(await layers(), [], 'the import checked the layer and wrote none of its files');
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
  // Three containers starting at once from the never-unpacked image: all run, the layer is unpacked once.
  const runs = await Promise.all([1, 2, 3].map((i) => berth(root, ['run', '--rm', 'busybox', 'sh', '-c', `echo run ${i}; ls /bin/busybox`])));
  for (const [i, r] of runs.entries()) assert.equal(r.stdout, `run ${i + 1}\n/bin/busybox\n`, r.stderr);
  assert.equal((await layers()).length, 1);
  assert.deepEqual((await readdir(join(root, 'tmp'))).filter((n) => n.startsWith('layer-')), [], 'no unpack left behind');
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
  await ok(berth(root, ['rmi', 'busybox']));
  assert.deepEqual(await layers(), []);
});

test('a layer blob damaged after the image came in: the first run says which layer, and system check finds it', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const [diffId] = JSON.parse((await ok(berth(root, ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'busybox']))).stdout) as string[];
  const blob = join(root, 'blobs', 'sha256', (diffId as string).slice('sha256:'.length)); // a plain tar: its digest is its diff ID
  const bytes = readFileSync(blob);
  bytes.fill(0x41, 0, 512); // the first header
  await writeFile(blob, bytes);
  const r = await berth(root, ['run', '--rm', 'busybox', 'true']);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, new RegExp(`layer 1 \\(${diffId}\\) of image sha256:[0-9a-f]{64}: invalid or truncated tar stream`));
  assert.deepEqual(await readdir(join(root, 'layers')), [], 'nothing unpacked');
  const check = await berth(root, ['system', 'check']);
  assert.match(check.stdout, new RegExp(`blob ${diffId} is corrupt`));
});

test('the container sees Docker\'s environment: hostname, user, env, workdir, /etc files', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const r = await ok(berth(root, ['run', '--rm', '--hostname', 'box', '-e', 'GREETING=hi', '-w', '/tmp', '-u', 'nobody', 'busybox',
    'sh', '-c', 'hostname; id -u; id -g; echo $GREETING $HOME $PATH; pwd; cat /etc/hostname; grep -c localhost /etc/hosts']));
  assert.equal(r.stdout, 'box\n65534\n65534\nhi /nonexistent /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/tmp\nbox\n2\n');
  const caps = await ok(berth(root, ['run', '--rm', 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status']));
  assert.equal(caps.stdout, 'CapEff:\t00000000a80425fb\n', "Docker's default capability set");
  // Docker's default seccomp profile and capabilities: no mount without CAP_SYS_ADMIN.
  const mount = await berth(root, ['run', '--rm', 'busybox', 'sh', '-c', 'mkdir /m; mount -t tmpfs none /m']);
  assert.notEqual(mount.code, 0);
  assert.match(mount.stderr, /permission denied|not permitted/);
  await ok(berth(root, ['run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', 'mkdir /m; mount -t tmpfs none /m']));
  assert.equal((await ok(berth(root, ['run', '--rm', 'busybox', 'grep', 'Seccomp:', '/proc/self/status']))).stdout, 'Seccomp:\t2\n');
  const ro = await berth(root, ['run', '--rm', '--read-only', 'busybox', 'touch', '/x']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);
});

test('stdin is piped with -i', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const r = await ok(berth(root, ['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo done'], { input: 'line one\nline two\n' }));
  assert.equal(r.stdout, 'line one\nline two\ndone\n');
});

test('a command that cannot run exits 127 or 126, as Docker', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const missing = await berth(root, ['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /executable file not found/);
  const notExec = await berth(root, ['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(notExec.code, 126);
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '', '--rm removes even on failure');
  const badImage = await berth(root, ['run', '--rm', '--pull', 'never', 'nothere']);
  assert.equal(badImage.code, 125);
  assert.equal(badImage.stderr, 'berth: Error: No such image: nothere:latest\n');
});

test('detached containers: ps, logs, stop, start, wait, rm', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const id = (await ok(berth(root, ['run', '-d', '--name', 'web', '-l', 'tier=front', 'busybox', 'sh', '-c', 'echo started; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done']))).stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  // conmon holds the container: the berth that started it has exited.
  const ps = (await ok(berth(root, ['ps']))).stdout.split('\n');
  assert.match(ps[0] as string, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  assert.match(ps[1] as string, new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sh -c echo started;…"\\s+.* ago\\s+Up .*\\s+web$`));
  assert.equal((await ok(berth(root, ['ps', '--filter', 'label=tier=front', '--format', '{{.Names}} {{.State}}']))).stdout, 'web running\n');
  for (let i = 0; i < 50 && !(await ok(berth(root, ['logs', 'web']))).stdout; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await ok(berth(root, ['logs', 'web']))).stdout, 'started\n');
  const name = await berth(root, ['run', '-d', '--name', 'web', 'busybox', 'true']);
  assert.equal(name.code, 125);
  assert.match(name.stderr, new RegExp(`The container name "/web" is already in use by container "${id}"`));
  const rmRunning = await berth(root, ['rm', 'web']);
  assert.equal(rmRunning.code, 1);
  assert.match(rmRunning.stderr, /container is running: stop the container before removing or force remove/);
  const rmi = await berth(root, ['rmi', 'busybox']);
  assert.match(rmi.stderr, /conflict: unable to (remove repository reference|delete)/);
  assert.equal((await ok(berth(root, ['stop', 'web']))).stdout, 'web\n');
  assert.match((await ok(berth(root, ['ps', '-a', '--format', '{{.Status}}']))).stdout, /^Exited \(0\) /);
  assert.equal((await ok(berth(root, ['logs', 'web']))).stdout, 'started\nbye\n');
  const inspect = JSON.parse((await ok(berth(root, ['inspect', 'web']))).stdout) as { State: { Status: string; ExitCode: number }; Name: string; Config: { Labels: Record<string, string> } }[];
  assert.equal(inspect[0]?.State.Status, 'exited');
  assert.equal(inspect[0]?.Name, '/web');
  assert.equal(inspect[0]?.Config.Labels.tier, 'front');
  // Started again, it runs again; kill gives 137.
  assert.equal((await ok(berth(root, ['start', 'web']))).stdout, 'web\n');
  assert.match((await ok(berth(root, ['ps', '--format', '{{.Names}}']))).stdout, /web/);
  await ok(berth(root, ['kill', 'web']));
  assert.equal((await ok(berth(root, ['wait', 'web']))).stdout, '137\n');
  assert.equal((await ok(berth(root, ['rm', 'web']))).stdout, 'web\n');
  assert.equal(existsSync(join(root, 'containers', id)), false);
  assert.equal((await berth(root, ['logs', 'web'])).code, 1);
});

test('ps tells the truth after the monitor is killed', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const id = (await ok(berth(root, ['run', '-d', 'busybox', 'sleep', '60']))).stdout.trim();
  const conmonPid = Number(readFileSync(join(root, 'containers', id, 'conmon.pid'), 'utf8'));
  const pid = Number(readFileSync(join(root, 'containers', id, 'pidfile'), 'utf8'));
  process.kill(conmonPid, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  assert.match((await ok(berth(root, ['ps', '-a', '--format', '{{.Status}}']))).stdout, /^Exited \(137\)/);
});

test('20 parallel run --rm all succeed with their own output', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => berth(root, ['run', '--rm', 'busybox', 'echo', `n${i}`])));
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `n${i}\n`);
  });
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '');
});

test('an image of 120 layers runs: every layer is seen, whiteouts hide what lower layers had', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(async () => {
    await removeContainers(join(dir, 'root'));
    await cleanup();
  });
  // A docker-archive written by hand: busybox at the bottom, then 119 layers of one file each;
  // the last layer deletes /etc/group through a whiteout.
  const layers: string[] = ['base.tar'];
  await makeBusyboxTar(join(dir, 'base.tar'));
  for (let i = 1; i < 120; i++) {
    const content = join(dir, `c${i}`);
    await mkdir(join(content, 'layers'), { recursive: true });
    await writeFile(join(content, 'layers', String(i)), `${i}\n`);
    if (i === 119) {
      await mkdir(join(content, 'etc'));
      await writeFile(join(content, 'etc', '.wh.group'), '');
    }
    execFileSync('tar', ['--numeric-owner', '-C', content, '-cf', join(dir, `l${i}.tar`), '.']);
    layers.push(`l${i}.tar`);
  }
  const diffIds = layers.map((l) => `sha256:${createHash('sha256').update(readFileSync(join(dir, l))).digest('hex')}`);
  const config = JSON.stringify({ architecture: goArch(), os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } });
  await writeFile(join(dir, 'config.json'), config);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['tall:latest'], Layers: layers }]));
  execFileSync('tar', ['-C', dir, '-cf', join(dir, 'image.tar'), 'manifest.json', 'config.json', ...layers]);
  const root = join(dir, 'root');
  await ok(berth(root, ['load', '-i', join(dir, 'image.tar')]));
  const r = await ok(berth(root, ['run', '--rm', 'tall', 'sh', '-c', 'ls /layers | wc -l; cat /layers/1 /layers/119; ls /etc/group 2>&1; true']));
  assert.equal(r.stdout, "119\n1\n119\nls: /etc/group: No such file or directory\n");
});

function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}
