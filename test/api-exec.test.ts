// Exec through the daemon: the docker CLI's `exec` (output, exit codes, stdin, -e/-u/-w, -d, -it
// under a real terminal), the raw endpoints (create, start hijacked or detached, resize, inspect)
// with bad input, and dockerode's exec flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import Docker from 'dockerode';
import { startDaemon, dockerCli, type TestDaemon } from './daemon.ts';
import { berth, berthBin, ok } from './helpers.ts';
import { PtySession } from './pty.ts';
import { demultiplex } from '../src/api/stdcopy.ts';

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

function call(d: TestDaemon, method: string, path: string, body?: string | object): Promise<Reply> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method, path, headers: text !== undefined ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** POST /exec/{id}/start with `Upgrade: tcp`, as the docker CLI does: sends `stdin`, half-closes, reads to the end. */
function startHijacked(d: TestDaemon, id: string, body: object, stdin?: string): Promise<{ head: string; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock: Duplex = connect(d.socket);
    const payload = JSON.stringify(body);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, split).toString(), data: all.subarray(split + 4) });
    });
    sock.write(`POST /v1.50/exec/${id}/start HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
    if (stdin !== undefined) sock.write(stdin);
    sock.end();
  });
}

async function withContainer(t: { after: (fn: () => Promise<void>) => void }): Promise<{ d: TestDaemon; id: string }> {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const id = (await ok(berth(d.root, ['run', '-d', '--name', 'box', 'busybox', 'sleep', '300']))).stdout.trim();
  return { d, id };
}

test('docker exec: output, exit codes, stderr apart, stdin with -i, -e -u -w, -d, and the errors of a stopped or paused container', async (t) => {
  const { d, id } = await withContainer(t);

  const hi = await d.docker(['exec', 'box', 'echo', 'hi']);
  assert.deepEqual([hi.code, hi.stdout, hi.stderr], [0, 'hi\n', '']);
  assert.equal((await d.docker(['exec', 'box', 'sh', '-c', 'exit 7'])).code, 7, "the process's exit code is the CLI's");
  const both = await d.docker(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2']);
  assert.deepEqual([both.stdout, both.stderr], ['out\n', 'err\n'], 'stdout and stderr arrive apart');

  assert.equal((await ok(d.docker(['exec', '-i', 'box', 'cat'], { input: 'data\nmore\n' }))).stdout, 'data\nmore\n');
  assert.equal((await ok(d.docker(['exec', 'box', 'cat'], { input: 'not read\n' }))).stdout, '', 'without -i the process gets no stdin');

  const nobody = await d.docker(['exec', '-u', 'nosuch', 'box', 'true']);
  assert.deepEqual([nobody.code, nobody.stderr], [1, 'Error response from daemon: unable to find user nosuch: no matching entries in passwd file\n'], 'the user is checked at create, as dockerd does');
  const settings = await ok(d.docker(['exec', '-e', 'EXTRA=2', '-u', 'nobody', '-w', '/tmp', 'box', 'sh', '-c', 'echo $EXTRA; id -u; pwd']));
  assert.equal(settings.stdout, '2\n65534\n/tmp\n');

  const caps = (await ok(d.docker(['exec', '--privileged', 'box', 'grep', 'CapEff', '/proc/self/status']))).stdout;
  assert.ok(BigInt(`0x${caps.split('\t')[1]?.trim() ?? '0'}`) > 0xa80425fbn, '--privileged gives more than the default capabilities');

  const detached = await d.docker(['exec', '-d', 'box', 'sh', '-c', 'echo later > /tmp/detached']);
  assert.deepEqual([detached.code, detached.stdout], [0, '']);
  let seen = '';
  for (let i = 0; i < 50 && seen !== 'later\n'; i++) seen = (await d.docker(['exec', 'box', 'cat', '/tmp/detached'])).stdout;
  assert.equal(seen, 'later\n', 'exec -d ran in the background');

  const missing = await d.docker(['exec', 'box', 'no-such-command']);
  assert.equal(missing.code, 127);
  assert.match(missing.stdout, /^OCI runtime exec failed: .*"no-such-command": executable file not found in \$PATH: unknown\r?\n$/);
  assert.equal((await d.docker(['exec', 'box', '/etc/passwd'])).code, 126, 'not executable: 126');

  await ok(berth(d.root, ['pause', 'box']));
  const paused = await d.docker(['exec', 'box', 'true']);
  assert.deepEqual([paused.code, paused.stderr], [1, 'Error response from daemon: Container box is paused, unpause the container before exec\n']);
  await ok(berth(d.root, ['unpause', 'box']));

  await ok(berth(d.root, ['stop', '-t', '0', 'box']));
  const stopped = await d.docker(['exec', 'box', 'true']);
  assert.deepEqual([stopped.code, stopped.stderr], [1, `Error response from daemon: container ${id} is not running\n`]);
});

test('docker exec -it: a terminal of our size that follows ours, and the exit code', async (t) => {
  const { d } = await withContainer(t);
  const script = 'tty; stty size; while read l; do [ "$l" = end ] && exit 4; stty size; done';
  const env = Object.entries(d.env).map(([k, v]) => `${k}=${v}`);
  const pty = new PtySession('env', [...env, dockerCli, 'exec', '-it', 'box', 'sh', '-c', script], { rows: 33, cols: 111 });
  await pty.waitFor(/\/dev\/pts\/\d+\r\n33 111\r\n/);
  pty.resize(50, 132);
  // The resize travels docker → the daemon → conmon → the terminal; type lines until it shows.
  await pty.waitFor(/50 132\r\n/, 15_000, () => pty.type('x\r'));
  pty.type('end\r');
  assert.equal(await pty.finish(), 4);

  // ctrl-p ctrl-q: the CLI leaves (with its words and 1), the process runs on.
  const left = new PtySession('env', [...env, dockerCli, 'exec', '-it', 'box', 'sh', '-c', 'echo ready; exec sleep 300'], { rows: 24, cols: 80 });
  await left.waitFor(/ready/);
  left.type(Buffer.from([0x10, 0x11]));
  assert.equal(await left.finish(), 1);
  assert.match(left.output, /read escape sequence/);
  assert.match((await ok(d.docker(['exec', 'box', 'ps', '-o', 'args']))).stdout, /^sleep 300$/m);
});

test('berth exec -it on the same engine path: resized with our terminal, detached with the keys', async (t) => {
  const { d } = await withContainer(t);
  const pty = new PtySession(berthBin, ['--root', d.root, 'exec', '-it', '--detach-keys', 'ctrl-x', 'box', 'sh', '-c', 'stty size; while read l; do stty size; done'], { rows: 20, cols: 70 });
  await pty.waitFor(/20 70\r\n/);
  pty.resize(41, 99);
  await pty.waitFor(/41 99\r\n/, 15_000, () => pty.type('x\r'));
  pty.type(Buffer.from([0x18]));
  assert.equal(await pty.finish(), 1, "detaching exits as docker exec's does");
  assert.match(pty.output, /read escape sequence/);
  assert.match((await ok(berth(d.root, ['exec', 'box', 'ps', '-o', 'args']))).stdout, /while read l/, 'the process runs on');
});

test('exec endpoints: inspect, detached start, hijacked streams, resize, and bad input', async (t) => {
  const { d, id } = await withContainer(t);

  // Bad input first: each with dockerd's status and words.
  const cases: [string, string, string | object | undefined, number, RegExp][] = [
    ['POST', '/containers/box/exec', { Cmd: [] }, 400, /^No exec command specified$/],
    ['POST', '/containers/box/exec', { Cmd: 'ls' }, 400, /^json: cannot unmarshal string into Go struct field ExecOptions\.Cmd of type \[\]string$/],
    ['POST', '/containers/box/exec', { Cmd: ['ls'], Tty: 'yes' }, 400, /^json: cannot unmarshal string into Go struct field ExecOptions\.Tty of type bool$/],
    ['POST', '/containers/box/exec', '{"Cmd": [', 400, /invalid JSON/i],
    ['POST', '/containers/nope/exec', { Cmd: ['ls'] }, 404, /^No such container: nope$/],
    ['GET', '/exec/nope/json', undefined, 404, /^No such exec instance: nope$/],
    ['POST', '/exec/nope/start', { Detach: true }, 404, /^No such exec instance: nope$/],
    ['POST', '/exec/nope/resize?h=10&w=10', undefined, 404, /^No such exec instance: nope$/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const r = await call(d, method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
    assert.match((JSON.parse(r.body) as { message: string }).message, message, `${method} ${path}`);
  }

  // Created, not started: inspect says so; started detached, its exit code shows once it ended.
  const created = await call(d, 'POST', '/v1.50/containers/box/exec', { Cmd: ['sh', '-c', 'exit 5'], AttachStdout: true, DetachKeys: 'ctrl-a,x', User: 'nobody' });
  assert.equal(created.status, 201, created.body);
  const execId = (JSON.parse(created.body) as { Id: string }).Id;
  assert.match(execId, /^[0-9a-f]{64}$/);
  const before = JSON.parse((await call(d, 'GET', `/exec/${execId}/json`)).body) as Record<string, unknown>;
  assert.deepEqual<unknown>(before, {
    ID: execId, Running: false, ExitCode: null,
    ProcessConfig: { tty: false, entrypoint: 'sh', arguments: ['-c', 'exit 5'], privileged: false, user: 'nobody' },
    OpenStdin: false, OpenStderr: false, OpenStdout: true, CanRemove: false, ContainerID: id,
    DetachKeys: Buffer.from([1, 0x78]).toString('base64'), Pid: 0,
  });
  const bad = await call(d, 'POST', `/exec/${execId}/resize?h=a&w=3`);
  assert.deepEqual([bad.status, JSON.parse(bad.body)], [400, { message: 'strconv.Atoi: parsing "a": invalid syntax' }]);
  const begun = await call(d, 'POST', `/exec/${execId}/start`, { Detach: true });
  assert.equal(begun.status, 200, begun.body);
  let after = before;
  for (let i = 0; i < 50 && after.ExitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = JSON.parse((await call(d, 'GET', `/exec/${execId}/json`)).body) as Record<string, unknown>;
  }
  assert.equal(after.ExitCode, 5);
  assert.equal(after.Running, false);
  assert.ok((after.Pid as number) > 0, 'the pid is recorded');
  const again = await call(d, 'POST', `/exec/${execId}/start`, { Detach: true });
  assert.deepEqual([again.status, JSON.parse(again.body)], [409, { message: `exec command ${execId} has already run` }]);

  // Hijacked: stdcopy frames apart for stdout and stderr, stdin from the connection, then the exit code.
  const piped = JSON.parse((await call(d, 'POST', '/containers/box/exec', { Cmd: ['sh', '-c', 'cat; echo oops >&2; exit 3'], AttachStdin: true, AttachStdout: true, AttachStderr: true })).body) as { Id: string };
  const res = await startHijacked(d, piped.Id, { Detach: false, Tty: false }, 'from stdin\n');
  assert.match(res.head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(res.head, /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
  const frames = [...demultiplex(res.data)].map((f) => [f.stream, f.payload.toString()]);
  assert.deepEqual(frames, [[1, 'from stdin\n'], [2, 'oops\n']]);
  assert.equal((JSON.parse((await call(d, 'GET', `/exec/${piped.Id}/json`)).body) as { ExitCode: number }).ExitCode, 3, 'the code is there when the stream ends');

  // With a terminal: raw bytes, and the size asked for at start.
  const term = JSON.parse((await call(d, 'POST', '/containers/box/exec', { Cmd: ['stty', 'size'], AttachStdout: true, Tty: true })).body) as { Id: string };
  const raw = await startHijacked(d, term.Id, { Tty: true, ConsoleSize: [21, 77] });
  assert.match(raw.head, /Content-Type: application\/vnd\.docker\.raw-stream/);
  assert.equal(raw.data.toString(), '21 77\r\n');

  // The detach keys on a terminal end the connection; the process runs on.
  const keys = JSON.parse((await call(d, 'POST', '/containers/box/exec', { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, Tty: true, DetachKeys: 'ctrl-x' })).body) as { Id: string };
  await startHijacked(d, keys.Id, { Tty: true }, `typed${String.fromCharCode(0x18)}`);
  const detachedExec = JSON.parse((await call(d, 'GET', `/exec/${keys.Id}/json`)).body) as { Running: boolean; ExitCode: number | null };
  assert.deepEqual([detachedExec.Running, detachedExec.ExitCode], [true, null]);

  // A command that cannot run: the reason on the stream, 127 in inspect.
  const wrong = JSON.parse((await call(d, 'POST', '/containers/box/exec', { Cmd: ['no-such-command'], AttachStdout: true })).body) as { Id: string };
  const failed = await startHijacked(d, wrong.Id, { Tty: false });
  assert.match([...demultiplex(failed.data)].map((f) => f.payload.toString()).join(''), /executable file not found in \$PATH: unknown\r\n$/);
  assert.equal((JSON.parse((await call(d, 'GET', `/exec/${wrong.Id}/json`)).body) as { ExitCode: number }).ExitCode, 127);

  // A client that hangs up mid-stream: the process runs on, and its exit code is still recorded.
  const gone = JSON.parse((await call(d, 'POST', '/containers/box/exec', { Cmd: ['sh', '-c', 'echo started; sleep 1; echo finished > /tmp/after; exit 6'], AttachStdout: true })).body) as { Id: string };
  await new Promise<void>((resolve, reject) => {
    const sock = connect(d.socket);
    const payload = JSON.stringify({ Tty: false });
    sock.on('data', (c: Buffer) => c.includes('started') && (sock.destroy(), resolve()));
    sock.on('error', reject);
    sock.write(`POST /exec/${gone.Id}/start HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`);
  });
  let goneCode: number | null = null;
  for (let i = 0; i < 100 && goneCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    goneCode = (JSON.parse((await call(d, 'GET', `/exec/${gone.Id}/json`)).body) as { ExitCode: number | null }).ExitCode;
  }
  assert.equal(goneCode, 6);
  assert.equal((await ok(d.docker(['exec', 'box', 'cat', '/tmp/after']))).stdout, 'finished\n');

  // The container stopped: its instances cannot start.
  const late = JSON.parse((await call(d, 'POST', '/containers/box/exec', { Cmd: ['true'] })).body) as { Id: string };
  await ok(berth(d.root, ['stop', '-t', '0', 'box']));
  const refused = await call(d, 'POST', `/exec/${late.Id}/start`, { Detach: true });
  assert.deepEqual([refused.status, JSON.parse(refused.body)], [409, { message: `container ${id} is not running` }]);
  const noCreate = await call(d, 'POST', '/containers/box/exec', { Cmd: ['true'] });
  assert.deepEqual([noCreate.status, JSON.parse(noCreate.body)], [409, { message: `container ${id} is not running` }]);
});

test('dockerode: container.exec, exec.start with hijack and stdin, exec.inspect', async (t) => {
  const { d } = await withContainer(t);
  const docker = new Docker({ socketPath: d.socket });
  const exec = await docker.getContainer('box').exec({ Cmd: ['sh', '-c', 'read x; echo "got $x"; echo warn >&2; exit 2'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: true });
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]): NodeJS.WritableStream => new PassThrough().on('data', (c: Buffer) => into.push(c.toString()));
  docker.modem.demuxStream(stream, sink(out), sink(err));
  stream.write('hello\n');
  await new Promise<void>((resolve) => stream.on('end', () => resolve()));
  assert.deepEqual([out.join(''), err.join('')], ['got hello\n', 'warn\n']);
  const info = await exec.inspect();
  assert.equal(info.ExitCode, 2);
  assert.equal(info.Running, false);

  // Without hijacking: a plain response whose body is the output.
  const plain = await docker.getContainer('box').exec({ Cmd: ['echo', 'plain'], AttachStdout: true, AttachStderr: true });
  const body = await plain.start({});
  const got: string[] = [];
  docker.modem.demuxStream(body, sink(got), sink(got));
  await new Promise<void>((resolve) => body.on('end', () => resolve()));
  assert.equal(got.join(''), 'plain\n');
  assert.equal((await plain.inspect()).ExitCode, 0);
});

test('a daemon that stops ends its exec connections and leaves their processes running', async (t) => {
  const { d } = await withContainer(t);
  const exec = JSON.parse((await call(d, 'POST', '/containers/box/exec', { Cmd: ['sh', '-c', 'echo up; exec sleep 300'], AttachStdout: true })).body) as { Id: string };
  // Once the process runs, the daemon is stopped: the client's connection ends, the daemon exits.
  let stopping: Promise<void> | undefined;
  await new Promise<void>((resolve, reject) => {
    const sock = connect(d.socket);
    const payload = JSON.stringify({ Tty: false });
    sock.on('data', (c: Buffer) => {
      if (c.includes('up\n')) stopping ??= d.stop();
    });
    sock.on('error', reject);
    sock.on('close', () => resolve());
    sock.write(`POST /exec/${exec.Id}/start HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`);
  });
  await stopping;
  assert.match((await ok(berth(d.root, ['exec', 'box', 'ps', '-o', 'args']))).stdout, /^sleep 300$/m);
});
