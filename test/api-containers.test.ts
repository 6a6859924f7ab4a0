// The container endpoints through the real docker CLI (and raw HTTP for bad input) against
// `berth daemon`: what a user types and what they see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from './daemon.ts';
import { run } from './helpers.ts';
import { PtySession } from './pty.ts';

function http(socket: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: body !== undefined ? { 'Content-Type': 'application/json', ...headers } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function ok(d: TestDaemon, args: string[], input?: string): Promise<string> {
  const r = await d.docker(args, { input });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('containers through the docker CLI', { timeout: 240_000 }, async (t) => {
  // A loopback TCP listener besides the socket, for the websocket attach (Node's WebSocket speaks TCP only).
  const d = await startDaemon({ args: ['-H', 'tcp://127.0.0.1:0'] });
  t.after(() => d.cleanup());

  await t.test('run -d, ps, logs, inspect, top, stats, diff, rename, pause, update, stop, wait, rm', async () => {
    const id = (await ok(d, ['run', '-d', '--name', 'web', '--label', 'app=demo', '-e', 'GREETING=hello', 'busybox', 'sh', '-c', 'echo "$GREETING out"; echo err >&2; touch /made; exec sleep 300'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const ps = await ok(d, ['ps', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.Label "app"}}']);
    // dockerd's Command: the arguments joined with spaces, cut at 20 characters by the CLI.
    assert.equal(ps.trim(), `${id.slice(0, 12)} web busybox "sh -c echo \\"$GREETI…" demo`);
    assert.equal((await ok(d, ['ps', '-q', '--filter', 'label=app=demo'])).trim(), id.slice(0, 12));
    assert.equal((await ok(d, ['ps', '-q', '--filter', 'label=app=other'])).trim(), '');

    // Output is in the log as soon as the container wrote it; stdout and stderr kept apart.
    let logs = await d.docker(['logs', 'web']);
    for (let i = 0; i < 50 && !logs.stderr.includes('err'); i++) logs = await d.docker(['logs', 'web']);
    assert.equal(logs.stdout, 'hello out\n');
    assert.equal(logs.stderr, 'err\n');
    const stamped = await ok(d, ['logs', '-t', 'web']);
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z hello out\n$/);
    // --tail counts both streams: the last line is stderr's.
    const tail = await d.docker(['logs', '--tail', '1', 'web']);
    assert.deepEqual([tail.stdout, tail.stderr], ['', 'err\n']);

    const inspect = JSON.parse(await ok(d, ['inspect', 'web'])) as { Id: string; Name: string; State: { Running: boolean; Status: string }; Config: { Env: string[]; Labels: Record<string, string> } }[];
    assert.equal(inspect[0]?.Id, id);
    assert.equal(inspect[0]?.Name, '/web');
    assert.equal(inspect[0]?.State.Status, 'running');
    assert.ok(inspect[0]?.Config.Env.includes('GREETING=hello'));

    const top = await ok(d, ['top', 'web']);
    assert.match(top, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
    assert.match(top, /sleep 300/);
    const stats = await ok(d, ['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'web']);
    assert.equal(stats.trim(), 'web 1');
    assert.match(await ok(d, ['diff', 'web']), /^A \/made$/m);
    // -s: what the container wrote (an empty file) and that with its image.
    assert.match(await ok(d, ['ps', '-s', '--format', '{{.Names}} {{.Size}}']), /^web 0B \(virtual [\d.]+MB\)$/m);

    await ok(d, ['rename', 'web', 'web2']);
    await ok(d, ['pause', 'web2']);
    assert.match(await ok(d, ['ps', '--format', '{{.Names}} {{.Status}}']), /^web2 Up .* \(Paused\)$/m);
    await ok(d, ['unpause', 'web2']);
    await ok(d, ['update', '--memory', '64m', '--restart', 'on-failure:2', 'web2']);
    assert.equal((await ok(d, ['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}', 'web2'])).trim(), '67108864 on-failure');

    // A running container is not removed without -f, with dockerd's words.
    const refused = await d.docker(['rm', 'web2']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Error response from daemon: cannot remove container "\/web2": container is running: stop the container before removing or force remove/);

    await ok(d, ['stop', '-t', '1', 'web2']);
    assert.equal((await ok(d, ['wait', 'web2'])).trim(), '137');
    assert.equal((await ok(d, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'web2'])).trim(), 'exited 137');
    await ok(d, ['rm', 'web2']);
    const gone = await d.docker(['inspect', 'web2']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No such object: web2|No such container: web2/);
  });

  await t.test('create takes the full HostConfig the CLI sends', async () => {
    const flags = [
      '--init', '--read-only', '--cap-add', 'NET_ADMIN', '--ulimit', 'nofile=100:200', '--memory', '64m', '--memory-swap', '128m', '--cpus', '0.5',
      '--pids-limit', '50', '--security-opt', 'no-new-privileges', '--tmpfs', '/scratch:size=1m', '--dns-search', 'example.test', '--add-host', 'db:10.0.0.5',
      '--group-add', '10', '-w', '/tmp', '-u', '1000:1000', '--entrypoint', 'sh', '--stop-signal', 'SIGUSR1', '--stop-timeout', '3', '-h', 'myhost',
      '--mount', 'type=tmpfs,target=/data', '--expose', '8080', '--restart', 'on-failure:3',
    ];
    const out = await ok(d, ['run', '--name', 'full', ...flags, 'busybox', '-c', 'id; hostname; ulimit -n; grep search /etc/resolv.conf; grep db /etc/hosts; pwd; touch /x 2>&1; true']);
    assert.equal(out, 'uid=1000 gid=1000 groups=10\nmyhost\n100\nsearch example.test\n10.0.0.5\tdb\n/tmp\ntouch: /x: Read-only file system\n');
    const fields = '{{.HostConfig.Init}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.SecurityOpt}} {{.HostConfig.Tmpfs}} {{.Config.Entrypoint}} {{.Config.StopSignal}} {{.Config.StopTimeout}} {{.Config.ExposedPorts}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}';
    assert.equal((await ok(d, ['inspect', '-f', fields, 'full'])).trim(), 'true 67108864 134217728 500000000 50 [no-new-privileges] map[/scratch:size=1m] [sh] SIGUSR1 3 map[8080/tcp:map[]] on-failure:3');
    await ok(d, ['rm', 'full']);
  });

  await t.test('run --rm prints the output and passes the exit code on', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.stderr, 'oops\n');
    assert.equal(r.code, 3);
    // Removed: nothing left for ps -a.
    assert.equal((await ok(d, ['ps', '-aq'])).trim(), '');

    // Without --rm the container stays, exited with its code.
    const kept = await d.docker(['run', '--name', 'kept', 'busybox', 'sh', '-c', 'exit 7']);
    assert.equal(kept.code, 7);
    assert.equal((await ok(d, ['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).trim().replace(/ ago$/, ''), 'kept Exited (7) Less than a second');
    await ok(d, ['rm', 'kept']);

    // --platform naming the image's own platform is fine.
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    assert.equal(await ok(d, ['run', '--rm', '--platform', `linux/${arch}`, 'busybox', 'echo', 'same platform']), 'same platform\n');

    // A command that does not exist: Docker's 127 and its message.
    const missing = await d.docker(['run', '--rm', 'busybox', 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /no-such-command/);
  });

  await t.test('run -i feeds stdin; start -a; kill; wait; container prune', async () => {
    const r = await d.docker(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo done'], { input: 'hello\nworld\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello\nworld\ndone\n');

    await ok(d, ['create', '--name', 'later', 'busybox', 'echo', 'started later']);
    assert.equal(await ok(d, ['start', '-a', 'later']), 'started later\n');
    // A second start -a: the same output again (the log and the attach agree).
    assert.equal(await ok(d, ['start', '-a', 'later']), 'started later\n');

    // The container's shell is PID 1: it dies of a signal only where it has a handler for it.
    await ok(d, ['run', '-d', '--name', 'sleeper', 'busybox', 'sh', '-c', 'trap "exit 42" USR1; while :; do sleep 0.1; done']);
    await ok(d, ['kill', '-s', 'USR1', 'sleeper']);
    assert.equal((await ok(d, ['wait', 'sleeper'])).trim(), '42');
    const notRunning = await d.docker(['kill', 'sleeper']);
    assert.equal(notRunning.code, 1);
    assert.match(notRunning.stderr, /is not running/);

    const pruned = await ok(d, ['container', 'prune', '-f']);
    assert.match(pruned, /^Deleted Containers:\n/);
    assert.equal(pruned.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l)).length, 2);
    assert.equal((await ok(d, ['ps', '-aq'])).trim(), '');
  });

  await t.test('-p publishes a port on 127.0.0.1; -v binds and volumes; cp both ways; export', async () => {
    const www = join(d.root, '..', 'www');
    await mkdir(www, { recursive: true });
    await writeFile(join(www, 'index.html'), '<h1>berth</h1>\n');
    await ok(d, ['run', '-d', '--name', 'httpd', '-p', '127.0.0.1::80', '-v', `${www}:/www:ro`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www']);
    const port = (await ok(d, ['port', 'httpd', '80/tcp'])).trim();
    assert.match(port, /^127\.0\.0\.1:\d+$/);
    let page = '';
    for (let i = 0; i < 50 && page === ''; i++) {
      page = await fetch(`http://${port}/`).then((r) => r.text(), () => '');
      if (page === '') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(page, '<h1>berth</h1>\n');
    assert.match(await ok(d, ['ps', '--format', '{{.Ports}}']), new RegExp(`^${port.replace(/\./g, '\\.')}->80/tcp$`, 'm'));

    // cp into the container and back out, and a tar to stdout.
    const local = join(d.root, '..', 'note.txt');
    await writeFile(local, 'from the host\n');
    await ok(d, ['cp', local, 'httpd:/tmp/']);
    const back = join(d.root, '..', 'back.txt');
    await ok(d, ['cp', 'httpd:/tmp/note.txt', back]);
    assert.equal(await readFile(back, 'utf8'), 'from the host\n');
    const missing = await d.docker(['cp', 'httpd:/no/such/file', back]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not find the file \/no\/such\/file in container httpd/);
    const tarList = await run('sh', ['-c', 'docker cp httpd:/tmp/note.txt - | tar tv'], { env: d.env });
    assert.match(tarList.stdout, /^-rw-r--r-- 0\/0\s+14 .* note\.txt$/m);
    const exported = await run('sh', ['-c', 'docker export httpd | tar t'], { env: d.env });
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(exported.stdout.split('\n').includes('bin/busybox'), 'export has the image files');
    assert.ok(exported.stdout.split('\n').includes('tmp/note.txt'), 'and the container\'s changes');
    await ok(d, ['rm', '-f', 'httpd']);

    // A named volume outlives its containers; the bind shows host files.
    await ok(d, ['run', '--rm', '-v', 'apivol:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(await ok(d, ['run', '--rm', '-v', 'apivol:/data', '-v', `${www}:/www`, 'busybox', 'cat', '/data/f', '/www/index.html']), 'kept\n<h1>berth</h1>\n');
    // The volume is removed through berth (the volume routes are another module's).
    assert.equal((await run('bin/berth', ['--root', d.root, 'volume', 'rm', 'apivol'])).code, 0);
  });

  await t.test('run -it under a terminal: tty, size, typed input, exit code', async () => {
    const env = Object.entries(d.env).map(([k, v]) => `${k}=${v}`);
    const pty = new PtySession('env', [...env, 'docker', 'run', '--rm', '-it', 'busybox', 'sh', '-c', 'tty; stty size; read line; echo "got:$line"; exit 5'], { rows: 30, cols: 100 });
    await pty.waitFor(/\/dev\/pts\/\d+\r\n30 100\r\n/);
    pty.type('hello\r');
    await pty.waitFor(/got:hello/);
    assert.equal(await pty.finish(), 5);

    // ctrl-p ctrl-q detaches and leaves the container running; docker attach joins it again.
    const loop = 'while :; do read l; echo "got:$l"; done';
    const first = new PtySession('env', [...env, 'docker', 'run', '--name', 'term', '-it', 'busybox', 'sh', '-c', loop], { rows: 24, cols: 80 });
    first.type('one\r');
    await first.waitFor(/got:one/, 15_000);
    first.type(Buffer.from([0x10, 0x11]));
    assert.equal(await first.finish(), 0);
    assert.match(await ok(d, ['ps', '--format', '{{.Names}} {{.Status}}']), /^term Up /m);
    const again = new PtySession('env', [...env, 'docker', 'attach', 'term'], { rows: 24, cols: 80 });
    await again.waitFor(/got:two/, 15_000, () => again.type('two\r'));
    again.type(Buffer.from([0x10, 0x11]));
    await again.finish();
    assert.match(again.output, /read escape sequence/);
    assert.match(await ok(d, ['ps', '--format', '{{.Names}} {{.Status}}']), /^term Up /m);
    await ok(d, ['rm', '-f', 'term']);
  });

  await t.test('logs -f follows until the container ends; stats streams readings', async () => {
    await ok(d, ['run', '-d', '--name', 'counter', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo "line $i"; sleep 0.3; done']);
    const followed = await ok(d, ['logs', '-f', 'counter']);
    assert.equal(followed, 'line 1\nline 2\nline 3\n');
    await ok(d, ['rm', 'counter']);

    const id = (await ok(d, ['run', '-d', 'busybox', 'sleep', '300'])).trim();
    const readings = await new Promise<{ read: string; preread: string; cpu_stats: { cpu_usage: { total_usage: number } } }[]>((resolve, reject) => {
      const got: string[] = [];
      const req = request({ socketPath: d.socket, path: `/v1.50/containers/${id}/stats?stream=1` }, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          got.push(...lines.filter(Boolean));
          if (got.length >= 2) {
            req.destroy();
            resolve(got.slice(0, 2).map((l) => JSON.parse(l)));
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(readings.length, 2);
    assert.ok((readings[1]?.cpu_stats.cpu_usage.total_usage ?? 0) > 0);
    // The second reading carries the first as its previous one: clients compute CPU % from the pair.
    assert.equal(readings[1]?.preread, readings[0]?.read);
    await ok(d, ['rm', '-f', id]);
  });

  await t.test('attach over a websocket: stdin in, raw output out', async () => {
    const tcp = /tcp:\/\/(127\.0\.0\.1:\d+)/.exec(d.log())?.[1];
    assert.ok(tcp, d.log());
    const id = (await ok(d, ['run', '-d', '-i', 'busybox', 'sh', '-c', 'while read l; do echo "ws:$l"; done'])).trim();
    const ws = new WebSocket(`ws://${tcp}/v1.50/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`);
    ws.binaryType = 'arraybuffer';
    let got = '';
    ws.addEventListener('message', (e: MessageEvent) => (got += Buffer.from(e.data as ArrayBuffer).toString()));
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    ws.send('hello\n');
    for (let i = 0; i < 100 && !got.includes('ws:hello\n'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(got, 'ws:hello\n');
    const closed = new Promise((resolve) => ws.addEventListener('close', resolve));
    ws.close();
    await closed;
    // The container outlives the client.
    assert.equal((await ok(d, ['inspect', '-f', '{{.State.Status}}', id])).trim(), 'running');
    await ok(d, ['rm', '-f', id]);
  });

  await t.test('bad input over HTTP: malformed JSON, wrong types, unknown container, name conflict', async () => {
    const malformed = await http(d.socket, 'POST', '/v1.50/containers/create', '{"Image": "busybox",');
    assert.equal(malformed.status, 400);
    assert.match(JSON.parse(malformed.body.toString()).message, /invalid JSON/);

    const wrongType = await http(d.socket, 'POST', '/v1.50/containers/create', JSON.stringify({ Image: 'busybox', Cmd: 5 }));
    assert.equal(wrongType.status, 400);
    assert.deepEqual(JSON.parse(wrongType.body.toString()), { message: 'invalid JSON: json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Cmd of type string' });
    const wrongNested = await http(d.socket, 'POST', '/v1.50/containers/create', JSON.stringify({ Image: 'busybox', HostConfig: { Memory: '1g' } }));
    assert.equal(wrongNested.status, 400);
    assert.match(JSON.parse(wrongNested.body.toString()).message, /cannot unmarshal string into Go struct field HostConfig\.Memory of type int64/);

    const noImage = await http(d.socket, 'POST', '/v1.50/containers/create', JSON.stringify({ Image: 'busybox:nope' }));
    assert.equal(noImage.status, 404);
    assert.deepEqual(JSON.parse(noImage.body.toString()), { message: 'No such image: busybox:nope' });

    const otherPlatform = await http(d.socket, 'POST', '/v1.50/containers/create?platform=linux/s390x', JSON.stringify({ Image: 'busybox' }));
    assert.equal(otherPlatform.status, 404);
    assert.match(JSON.parse(otherPlatform.body.toString()).message, /^image with reference busybox was found but its platform \(linux\/\w+\) does not match the specified platform \(linux\/s390x\)$/);

    for (const [method, path] of [['GET', '/containers/nosuch/json'], ['POST', '/containers/nosuch/start'], ['POST', '/containers/nosuch/stop'], ['DELETE', '/containers/nosuch'], ['GET', '/containers/nosuch/logs?stdout=1'], ['POST', '/containers/nosuch/wait']] as const) {
      const r = await http(d.socket, method, `/v1.50${path}`);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.deepEqual(JSON.parse(r.body.toString()), { message: 'No such container: nosuch' }, `${method} ${path}`);
    }

    const first = await http(d.socket, 'POST', '/v1.50/containers/create?name=taken', JSON.stringify({ Image: 'busybox' }));
    assert.equal(first.status, 201);
    const { Id } = JSON.parse(first.body.toString()) as { Id: string };
    const second = await http(d.socket, 'POST', '/v1.50/containers/create?name=taken', JSON.stringify({ Image: 'busybox' }));
    assert.equal(second.status, 409);
    assert.deepEqual(JSON.parse(second.body.toString()), { message: `Conflict. The container name "/taken" is already in use by container "${Id}". You have to remove (or rename) that container to be able to reuse that name.` });
    const badName = await d.docker(['create', '--name', 'a', 'busybox']);
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /Invalid container name \(a\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_\.-\] are allowed/);

    // Stopping a stopped container is "not modified"; logs need a stream; wait needs a known condition.
    assert.equal((await http(d.socket, 'POST', `/v1.50/containers/${Id}/stop`)).status, 304);
    const noStream = await http(d.socket, 'GET', `/v1.50/containers/${Id}/logs`);
    assert.equal(noStream.status, 400);
    assert.match(JSON.parse(noStream.body.toString()).message, /you must choose at least one stream/);
    const badCondition = await http(d.socket, 'POST', `/v1.50/containers/${Id}/wait?condition=sometime`);
    assert.equal(badCondition.status, 400);
    const badKeys = await http(d.socket, 'POST', `/v1.50/containers/${Id}/attach?stream=1&detachKeys=ctrl-%3F%3F`);
    assert.equal(badKeys.status, 400);
    assert.equal((await http(d.socket, 'DELETE', `/v1.50/containers/${Id}`)).status, 204);
  });
});
