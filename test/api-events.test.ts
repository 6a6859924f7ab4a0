// `docker events` against the daemon: what was done through the daemon and through the berth CLI
// on the same root (and by the cleanup conmon runs when a container exits) is all there, with
// --since/--until and filters; a follower sees new events as they happen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { dockerCli, startDaemon } from './daemon.ts';
import { berth, ok } from './helpers.ts';
import { apiRequest } from './api-http.ts';

const lines = (s: string): string[] => s.split('\n').filter(Boolean);

test('daemon events: since/until with filters, from the daemon and the berth CLI alike', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  // Fractions: the busybox import startDaemon did, a moment before, stays out.
  const since = (Date.now() / 1000).toFixed(3);

  // Through the daemon.
  await ok(d.docker(['volume', 'create', '--label', 'team=a', 'ev1']));
  await ok(d.docker(['network', 'create', '--label', 'team=a', 'evnet']));
  // Through the berth CLI on the same root: a tag, a volume, and a container that exits 3 (its `die` is recorded by the
  // cleanup conmon starts, a third process), removed after.
  await ok(berth(d.root, ['tag', 'busybox', 'evtag:1']));
  await ok(berth(d.root, ['volume', 'create', 'ev2']));
  const run = await berth(d.root, ['run', '--name', 'evc', '--label', 'team=b', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(run.code, 3, run.stderr);
  const cid = (await ok(berth(d.root, ['inspect', '--format', '{{.Id}}', 'evc']))).stdout.trim();
  await ok(berth(d.root, ['rm', 'evc']));
  await ok(d.docker(['volume', 'rm', 'ev1']));
  const until = (Date.now() / 1000 + 0.5).toFixed(3);

  const events = async (...args: string[]): Promise<string[]> => lines((await ok(d.docker(['events', '--since', since, '--until', until, ...args]))).stdout);

  assert.deepEqual(await events('--filter', 'type=volume', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}'), [
    'volume create ev1 local',
    'volume create ev2 local',
    'volume destroy ev1 local',
  ]);
  assert.deepEqual(await events('--filter', 'container=evc', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.image}} {{index .Actor.Attributes "exitCode"}}'), [
    'create evc busybox ',
    'start evc busybox ',
    'die evc busybox 3',
    'destroy evc busybox ',
  ]);
  // The old fields docker-py and compose v1 read are there too.
  assert.deepEqual(await events('--filter', 'event=die', '--format', '{{.Status}} {{.ID}} {{.From}}'), [`die ${cid} busybox`]);
  assert.deepEqual(await events('--filter', `container=${cid.slice(0, 12)}`, '--filter', 'event=destroy', '--format', '{{.Action}}'), ['destroy']);
  // Labels are attributes: the container's and nothing else matches team=b.
  assert.deepEqual(await events('--filter', 'label=team=b', '--format', '{{.Type}} {{.Action}}'), ['container create', 'container start', 'container die', 'container destroy']);
  assert.deepEqual(await events('--filter', 'network=evnet', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}'), ['create evnet bridge']);
  assert.deepEqual(await events('--filter', 'image=evtag', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'), ['image tag evtag:1']);
  // Two values of one filter are alternatives. evc joined and left the default network as it ran.
  assert.deepEqual(await events('--filter', 'type=network', '--filter', 'type=image', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'), [
    'network create evnet',
    'image tag evtag:1',
    'network connect bridge',
    'network disconnect bridge',
  ]);

  // The default line, as docker prints it.
  const plain = await events('--filter', 'event=die');
  assert.match(plain[0] ?? '', new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container die ${cid} \\(exitCode=3, image=busybox, name=evc, team=b\\)$`));

  // The berth CLI reads the same record.
  const cli = await ok(berth(d.root, ['events', '--since', since, '--until', until, '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}']));
  assert.deepEqual(lines(cli.stdout), ['create ev1', 'create ev2', 'destroy ev1']);

  // Bad input.
  const badFilter = await d.docker(['events', '--until', until, '--filter', 'colour=red']);
  assert.equal(badFilter.code, 1);
  assert.match(badFilter.stderr, /invalid filter 'colour'/);
  const backwards = await apiRequest(d.socket, 'GET', `/v1.50/events?since=${until}&until=${since}`);
  assert.equal(backwards.status, 400);
  assert.match(String(backwards.json.message), /`since` time \([\d.]+\) cannot be after `until` time \([\d.]+\)/);
  const badTime = await apiRequest(d.socket, 'GET', '/v1.50/events?since=yesterday');
  assert.equal(badTime.status, 400);
});

test('daemon events: a follower sees events as they happen, whoever acts', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const follower = spawn(dockerCli, ['events', '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], { env: { ...process.env, ...d.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => follower.kill());
  let out = '';
  follower.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const seen = async (want: string): Promise<void> => {
    for (let i = 0; i < 200 && !out.includes(want); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(out.includes(want), `the follower saw ${JSON.stringify(out)}, not ${JSON.stringify(want)}`);
  };
  // The follower is connected once the daemon has answered it; events before that are not its.
  for (let i = 0; i < 100; i++) {
    await ok(d.docker(['network', 'create', `probe${i}`]));
    await new Promise((r) => setTimeout(r, 100));
    if (out.includes(`create probe${i}`)) break;
  }
  await seen('create probe');
  await ok(berth(d.root, ['network', 'create', 'fromcli']));
  await seen('create fromcli\n');
  await ok(d.docker(['network', 'rm', 'fromcli']));
  await seen('destroy fromcli\n');
  await ok(d.docker(['network', 'prune', '-f']));
  assert.equal(follower.exitCode, null, 'the stream stays open');
});

test('daemon events: a client that goes away mid-stream leaves nothing behind in the daemon', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const pid = readdirSync('/proc').find((p) => /^\d+$/.test(p) && (() => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(`unix://${d.socket}`);
    } catch {
      return false;
    }
  })());
  assert.ok(pid, 'the daemon process');
  // Each follower holds the log open and watches the events directory (an inotify watch: libuv
  // shares one inotify descriptor, whose fdinfo lists the watches).
  const held = (): number => readdirSync(`/proc/${pid}/fd`).reduce((n, fd) => {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (/events\.jsonl/.test(target)) return n + 1;
      if (/inotify/.test(target)) return n + readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
    return n;
  }, 0);
  const before = held();
  const req = request({ socketPath: d.socket, path: '/v1.50/events' });
  const res = await new Promise<IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject).end());
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  const first = new Promise<string>((resolve) => res.once('data', (c: Buffer) => resolve(c.toString())));
  await ok(d.docker(['volume', 'create', 'midstream']));
  assert.equal(JSON.parse(await first).Actor.ID, 'midstream');
  assert.equal(held(), before + 2);
  req.destroy();
  for (let i = 0; i < 100 && held() !== before; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(held(), before, 'the follower was let go');
  // The daemon still serves.
  assert.equal((await ok(d.docker(['volume', 'rm', 'midstream']))).stdout.trim(), 'midstream');
});

test('daemon events: a container run by the berth CLI mounts its volume and joins its network; rm -f reports kill, die and destroy', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const since = (Date.now() / 1000).toFixed(3);
  await ok(berth(d.root, ['network', 'create', 'evnet2']));
  await ok(berth(d.root, ['run', '-d', '--name', 'evd', '--network', 'evnet2', '-v', 'evvol:/data:ro', 'busybox', 'sleep', '60']));
  const id = (await ok(berth(d.root, ['inspect', '--format', '{{.Id}}', 'evd']))).stdout.trim();
  await ok(berth(d.root, ['rm', '-f', 'evd']));
  await ok(berth(d.root, ['network', 'rm', 'evnet2']));
  const until = (Date.now() / 1000 + 0.5).toFixed(3);
  const ev = await ok(d.docker(['events', '--since', since, '--until', until, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "container"}} {{index .Actor.Attributes "read/write"}} {{index .Actor.Attributes "signal"}} {{index .Actor.Attributes "exitCode"}}']));
  const seen = lines(ev.stdout).map((l) => l.replace(id, 'ID').replace(/network (\w+) [0-9a-f]{64}/, 'network $1 NET').trim());
  assert.deepEqual(seen, [
    'network create NET',
    'volume create evvol',
    'container create ID',
    'network connect NET ID',
    'volume mount evvol ID false',
    'container start ID',
    'container kill ID   9',
    'container die ID    137',
    'network disconnect NET ID',
    'container destroy ID',
    'network destroy NET',
  ]);
});
