// The daemon's core: listening, version negotiation, errors, and the configuration file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startDaemon } from './daemon.ts';
import { apiRequest } from './api-http.ts';
import { berth, berthBin, run, tempDir } from './helpers.ts';
import { makeCa, makeClientCert, makeServerCert } from './registry-servers.ts';
import { createServer, type AddressInfo } from 'node:net';

const get = apiRequest;

test('daemon: the docker CLI sees berth; versions are negotiated; errors are JSON', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());

  const version = await d.docker(['version', '--format', '{{.Server.Platform.Name}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}}']);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), 'berth 1.50 1.24');

  const ping = await get(d.socket, 'GET', '/_ping');
  assert.equal(ping.status, 200);
  assert.equal(ping.text, 'OK');
  assert.equal(ping.headers['api-version'], '1.50');
  assert.equal(ping.headers['builder-version'], undefined, 'no BuildKit: the CLI must use the classic build upload');

  // An older client is served; one too old or too new gets dockerd's message.
  assert.equal((await get(d.socket, 'GET', '/v1.41/version')).status, 200);
  const old = await get(d.socket, 'GET', '/v1.12/version');
  assert.equal(old.status, 400);
  assert.match(JSON.parse(old.text).message, /client version 1\.12 is too old\. Minimum supported API version is 1\.24/);
  const tooNew = await get(d.socket, 'GET', '/v1.99/version');
  assert.equal(tooNew.status, 400);
  assert.match(JSON.parse(tooNew.text).message, /client version 1\.99 is too new\. Maximum supported API version is 1\.50/);

  const missing = await get(d.socket, 'GET', '/v1.50/no/such/thing');
  assert.equal(missing.status, 404);
  assert.deepEqual(JSON.parse(missing.text), { message: 'page not found' });
  const wrongMethod = await get(d.socket, 'DELETE', '/version');
  assert.equal(wrongMethod.status, 405);

  // `docker info` shows the counts and the root.
  const info = await d.docker(['info', '--format', '{{.Images}} {{.DockerRootDir}} {{.OSType}}']);
  assert.equal(info.code, 0, info.stderr);
  assert.equal(info.stdout.trim(), `1 ${d.root} linux`);
});

test('daemon: the configuration file is checked as dockerd checks daemon.json', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const file = join(dir, 'daemon.json');
  const root = join(dir, 'root');

  await writeFile(file, JSON.stringify({ hosts: [`unix://${dir}/a.sock`] }));
  const both = await berth(root, ['daemon', '--config-file', file, '-H', `unix://${dir}/b.sock`]);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /the following directives are specified both as a flag and in the configuration file: hosts: \(from flag: \[unix:\/\/.*b\.sock\], from file: \[unix:\/\/.*a\.sock\]\)/);

  await writeFile(file, JSON.stringify({ 'no-such-option': true }));
  const unknown = await berth(root, ['daemon', '--config-file', file]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /the following directives don't match any configuration option: no-such-option/);

  await writeFile(file, '{"debug": "yes"');
  const broken = await berth(root, ['daemon', '--config-file', file]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /unable to configure the daemon with file .*daemon\.json/);

  const plainTcp = await berth(root, ['daemon', '--config-file', '/dev/null', '-H', 'tcp://0.0.0.0:23750']);
  assert.equal(plainTcp.code, 1);
  assert.match(plainTcp.stderr, /without TLS/);
});

test('daemon: socket activation (systemd hands over the listening socket, -H fd://)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const socket = join(dir, 'activated.sock');
  // systemd-socket-activate listens, and starts the daemon with LISTEN_FDS on the first connection.
  const child = spawn('systemd-socket-activate', ['-l', socket, '-E', 'PATH', berthBin, '--root', join(dir, 'root'), 'daemon', '--config-file', '/dev/null', '-H', 'fd://'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  t.after(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    // The daemon is the activator's exec'd process: SIGTERM stops it.
    child.kill('SIGTERM');
    await exited;
  });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  const ping = await get(socket, 'GET', '/_ping');
  assert.equal(ping.status, 200, stderr);
  assert.equal(ping.text, 'OK');
  assert.match(stderr, /API listening on fd:\/\//);
});

test('daemon: TCP with TLS verifies client certificates (docker --tlsverify and berth --host)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  await makeCa(dir);
  await makeServerCert(dir);
  await makeClientCert(dir);
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const host = `tcp://127.0.0.1:${port}`;
  const d = await startDaemon({ args: ['-H', host, '--tlsverify', '--tlscacert', join(dir, 'ca.crt'), '--tlscert', join(dir, 'server.crt'), '--tlskey', join(dir, 'server.key')] });
  t.after(() => d.cleanup());
  const tlsFlags = ['--tlsverify', '--tlscacert', join(dir, 'ca.crt'), '--tlscert', join(dir, 'client.cert'), '--tlskey', join(dir, 'client.key')];

  const docker = await run('docker', [...tlsFlags, '-H', host, 'version', '--format', '{{.Server.Platform.Name}}'], { env: { DOCKER_CONFIG: join(dir, 'docker-config') } });
  assert.equal(docker.code, 0, docker.stderr);
  assert.equal(docker.stdout.trim(), 'berth');

  const viaBerth = await berth(d.root, ['--host', host, ...tlsFlags, 'images', '--format', '{{.Repository}}']);
  assert.equal(viaBerth.code, 0, viaBerth.stderr);
  assert.equal(viaBerth.stdout, 'busybox\n');

  // No client certificate: the handshake is refused.
  const anonymous = await run('docker', ['--tls', '--tlscacert', join(dir, 'ca.crt'), '-H', host, 'version'], { env: { DOCKER_CONFIG: join(dir, 'docker-config') } });
  assert.notEqual(anonymous.code, 0);
  assert.match(anonymous.stderr, /certificate|tls|handshake/i);
});

test('daemon: names that are members of every JavaScript object are ordinary names', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  for (const name of ['constructor', '__proto__', 'toString']) {
    assert.equal((await d.docker(['volume', 'inspect', name])).code, 1, `no volume ${name} yet`);
    assert.equal((await apiRequest(d.socket, 'GET', `/containers/${name}/json`)).status, 404);
    assert.equal((await apiRequest(d.socket, 'GET', `/images/${name}/json`)).status, 404);
  }
  const created = await d.docker(['volume', 'create', 'constructor']);
  assert.equal(created.stdout, 'constructor\n', created.stderr);
  assert.equal((await d.docker(['volume', 'inspect', '-f', '{{.Name}}', 'constructor'])).stdout, 'constructor\n');
  assert.equal((await d.docker(['volume', 'rm', 'constructor'])).code, 0);
  assert.equal((await d.docker(['volume', 'ls', '-q'])).stdout, '');
});
