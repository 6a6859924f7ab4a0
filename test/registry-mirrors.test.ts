// registry-mirrors, as dockerd has them: a pull of a Docker Hub name tries each mirror in order,
// falls back past one that is down, lacks the image or fails, and stores the image under its Hub
// name; pushes never go to a mirror. No Docker Hub is reachable here: only a mirror can serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon } from './daemon.ts';
import { berth, ok, rootWithBusybox, tempDir } from './helpers.ts';
import { startFaultyProxy, startRegistry, type FaultyProxy, type Registry } from './registry-servers.ts';

/** A registry holding library/busybox:latest (pushed from a root with the fixture). */
async function registryWithBusybox(): Promise<Registry> {
  const reg = await startRegistry();
  const { root, cleanup } = await rootWithBusybox();
  try {
    await ok(berth(root, ['tag', 'busybox', `${reg.host}/library/busybox`]));
    await ok(berth(root, ['push', `${reg.host}/library/busybox`]));
  } catch (err) {
    await reg.stop();
    throw err;
  } finally {
    await cleanup();
  }
  return reg;
}

/** A registry that answers /v2/ and has nothing: 404 for every manifest. Records what it was asked. */
async function emptyMirror(): Promise<{ url: string; requests: string[]; stop: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A loopback URL nothing listens on. */
async function downMirror(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const uploads = (p: FaultyProxy): string[] => p.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.method} ${r.path}`);
const manifestGets = (p: FaultyProxy): number => p.count(/^\/v2\/library\/busybox\/manifests\/latest$/, 'GET');

test('mirrors, local mode: berth pull busybox passes a down mirror and one without the image, and stores docker.io/library/busybox:latest; push never goes to a mirror', async (t) => {
  const reg = await registryWithBusybox();
  t.after(() => reg.stop());
  const mirror = await startFaultyProxy(reg.host);
  t.after(() => mirror.stop());
  const empty = await emptyMirror();
  t.after(() => empty.stop());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const root = join(dir, 'root');
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ 'registry-mirrors': [await downMirror(), empty.url, mirror.url] }));
  const env = { BERTH_CONFIG: config };

  const pulled = await berth(root, ['pull', 'busybox'], { env });
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, /^latest: Pulling from library\/busybox$/m);
  assert.match(pulled.stdout, /^Status: Downloaded newer image for busybox:latest$/m);
  assert.equal(pulled.stdout.trim().split('\n').at(-1), 'docker.io/library/busybox:latest');
  assert.ok(empty.requests.includes('GET /v2/library/busybox/manifests/latest'), empty.requests.join('\n'));
  assert.ok(manifestGets(mirror) > 0, 'the manifest came from the working mirror');
  // Named as on Docker Hub, never as the mirror's.
  const images = await ok(berth(root, ['images', '--format', '{{.Repository}} {{.Tag}}'], { env }));
  assert.equal(images.stdout.trim(), 'busybox latest');
  const run = await ok(berth(root, ['run', '--rm', 'busybox', 'echo', 'from the mirror'], { env }));
  assert.equal(run.stdout.trim(), 'from the mirror');

  // A push of a Docker Hub name goes to the Hub (unreachable here), not to a mirror.
  const requestsBefore = mirror.requests.length;
  const pushed = await berth(root, ['push', 'busybox'], { env });
  assert.notEqual(pushed.code, 0);
  assert.match(pushed.stderr, /registry-1\.docker\.io/);
  assert.equal(mirror.requests.length, requestsBefore, 'the mirror was not contacted for the push');
  assert.deepEqual(uploads(mirror), []);
  assert.deepEqual(empty.requests.filter((r) => !r.startsWith('GET ')), []);

  // A bad mirror in the config file is refused with dockerd's words, before any pull starts.
  await writeFile(config, JSON.stringify({ 'registry-mirrors': ['127.0.0.1:5000'] }));
  const refused = await berth(root, ['pull', 'busybox'], { env });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /invalid mirror: no scheme specified for "127\.0\.0\.1:5000": must use either 'https:\/\/' or 'http:\/\/'/);
});

test('mirrors, daemon: --registry-mirror in docker info; docker pull busybox passes a failing mirror; docker push does not use them; a bad mirror stops the daemon', async (t) => {
  const reg = await registryWithBusybox();
  t.after(() => reg.stop());
  // The first mirror answers 500 for the manifest (every retry), the second serves.
  const failing = await startFaultyProxy(reg.host);
  t.after(() => failing.stop());
  failing.setFaults([{ kind: 'status500', path: /\/manifests\//, times: 100 }]);
  const mirror = await startFaultyProxy(reg.host);
  t.after(() => mirror.stop());
  const d = await startDaemon({ args: ['--registry-mirror', failing.url, '--registry-mirror', `${mirror.url}/`] });
  t.after(() => d.cleanup());

  const info = await d.docker(['info', '--format', '{{json .RegistryConfig.Mirrors}}']);
  assert.equal(info.code, 0, info.stderr);
  assert.deepEqual(JSON.parse(info.stdout), [`${failing.url}/`, `${mirror.url}/`]);

  await ok(d.docker(['rmi', 'busybox']));
  const pulled = await d.docker(['pull', 'busybox']);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, /^Status: Downloaded newer image for busybox:latest$/m);
  assert.equal(pulled.stdout.trim().split('\n').at(-1), 'docker.io/library/busybox:latest');
  assert.ok(failing.count(/\/manifests\/latest$/) > 0, 'the failing mirror was tried first');
  assert.ok(manifestGets(mirror) > 0, 'the working mirror served the manifest');
  const images = await ok(d.docker(['images', '--format', '{{.Repository}} {{.Tag}}']));
  assert.equal(images.stdout.trim(), 'busybox latest');

  const before = [failing.requests.length, mirror.requests.length];
  const pushed = await d.docker(['push', 'busybox']);
  assert.notEqual(pushed.code, 0);
  assert.match(pushed.stdout + pushed.stderr, /registry-1\.docker\.io/);
  assert.deepEqual([failing.requests.length, mirror.requests.length], before, 'no mirror was contacted for the push');
  assert.deepEqual([...uploads(failing), ...uploads(mirror)], []);

  // dockerd refuses a bad mirror at start, flag or file.
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const bad = await berth(join(dir, 'root'), ['daemon', '--config-file', '/dev/null', '-H', `unix://${dir}/b.sock`, '--registry-mirror', 'ftp://mirror.example']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /berth daemon: invalid mirror: unsupported scheme "ftp" in "ftp:\/\/mirror\.example": must use either 'https:\/\/' or 'http:\/\/'/);
  const file = join(dir, 'daemon.json');
  await writeFile(file, JSON.stringify({ 'registry-mirrors': ['http://m.example/?x=1'] }));
  const badFile = await berth(join(dir, 'root'), ['daemon', '--config-file', file, '-H', `unix://${dir}/b.sock`]);
  assert.equal(badFile.code, 1);
  assert.match(badFile.stderr, /invalid mirror: query or fragment at end of the URI "http:\/\/m\.example\/\?x=1"/);
});
