// The daemon's own life: containers outlive it (they belong to conmon), a new daemon finds them —
// running, or dead meanwhile — and restart policies go on while it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDaemon, type TestDaemon } from './daemon.ts';
import { berth, ok } from './helpers.ts';
import { apiRequest } from './api-http.ts';

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting until ${what}`);
}

test('daemon: containers outlive a daemon; the next one finds them running, or exited when they died meanwhile', async (t) => {
  const d = await startDaemon();
  const later: { again?: TestDaemon } = {};
  // The second daemon first: the first's clean-up waits for every process that names the root.
  t.after(async () => {
    await later.again?.stop();
    await d.cleanup();
  });
  await ok(d.docker(['run', '-d', '--name', 'stays', 'busybox', 'sleep', '300']));
  await ok(d.docker(['run', '-d', '--name', 'dies', 'busybox', 'sleep', '300']));
  const diesPid = Number((await ok(d.docker(['inspect', '-f', '{{.State.Pid}}', 'dies']))).stdout.trim());
  await d.stop();

  // No daemon: both still run. Then one dies with its monitor (nothing records its exit).
  assert.match((await ok(berth(d.root, ['ps', '--format', '{{.Names}}']))).stdout, /stays/);
  const conmonPid = Number(readFileSync(`/proc/${diesPid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  process.kill(conmonPid, 'SIGKILL');
  process.kill(diesPid, 'SIGKILL');

  const again = await startDaemon({ root: d.root });
  later.again = again;
  const ps = await ok(again.docker(['ps', '-a', '--format', '{{.Names}} {{.State}}']));
  assert.match(ps.stdout, /^stays running$/m);
  assert.match(ps.stdout, /^dies exited$/m);
  await ok(again.docker(['rm', '-f', 'stays', 'dies']));
});

test('daemon: a restart policy brings a container back while the daemon runs', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  await ok(d.docker(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'sleep 0.2; exit 3']));
  await until('it was restarted twice and gave up', async () => {
    const r = await d.docker(['inspect', '-f', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}', 'flaky']);
    return r.stdout.trim() === '2 exited 3';
  });
});

test('daemon: default ulimits apply under a container\'s own; an unsupported log driver is refused', async (t) => {
  const d = await startDaemon({ args: ['--default-ulimit', 'nofile=1024:2048', '--default-ulimit', 'nproc=500:600'] });
  t.after(() => d.cleanup());
  const defaults = await ok(d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -u']));
  assert.equal(defaults.stdout, '1024\n2048\n500\n');
  const own = await ok(d.docker(['run', '--rm', '--ulimit', 'nofile=512:512', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -u']));
  assert.equal(own.stdout, '512\n500\n');

  const syslog = await berth(d.root, ['daemon', '--config-file', '/dev/null', '-H', `unix://${d.socket}.2`, '--log-driver', 'syslog']);
  assert.equal(syslog.code, 1);
  assert.match(syslog.stderr, /log driver syslog is not supported/);
});

test('daemon: two clients removing the same container — one removes it, the other hears 404, the store stays sound', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  for (let round = 0; round < 3; round++) {
    const id = (await ok(d.docker(['run', '-d', 'busybox', 'sleep', '60']))).stdout.trim();
    const answers = await Promise.all([1, 2].map(() => apiRequest(d.socket, 'DELETE', `/v1.50/containers/${id}?force=1`)));
    const statuses = answers.map((a) => a.status).sort();
    assert.equal(statuses[0], 204, JSON.stringify(answers));
    assert.ok(statuses[1] === 404 || statuses[1] === 409, `the second remover: ${JSON.stringify(answers)}`);
    assert.equal((await d.docker(['ps', '-aq'])).stdout, '');
  }
  const check = await berth(d.root, ['system', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
});
