// berth's own registry (`berth registry serve`) with real clients: skopeo both ways, berth's
// client, in the three access modes (open, TLS + htpasswd, its own bearer tokens with anonymous
// pulls); uploads that survive a restart; names that try to leave the storage; the metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { berth, berthBin, ok, run, rootWithBusybox, tempDir } from './helpers.ts';
import { httpRequest, startBerthRegistry, type Registry } from './registry-servers.ts';

async function saved(root: string, dir: string): Promise<string> {
  const file = join(dir, 'bb.tar');
  await ok(berth(root, ['save', '-o', file, 'busybox']));
  return file;
}

function rawGet(host: string, path: string): Promise<{ status: number; body: string }> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    http
      .request({ host: hostname, port: Number(port), path }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject)
      .end();
  });
}

function skopeoTls(reg: Registry, prefix: '' | 'src-' | 'dest-'): string[] {
  return reg.certDir ? [`--${prefix}cert-dir`, join(reg.certDir, reg.host)] : [`--${prefix}tls-verify=false`];
}

test('berth registry, open: skopeo pushes and copies back, berth pushes and pulls, digests agree', async (t) => {
  const reg = await startBerthRegistry();
  t.after(() => reg.stop());
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  const archive = await saved(root, work.dir);
  const digestFile = join(work.dir, 'digest');
  await ok(run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile, `docker-archive:${archive}`, `docker://${reg.host}/sk/bb:1`]));
  const inspected = JSON.parse((await ok(run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/sk/bb:1`]))).stdout) as { Digest: string };
  assert.equal(inspected.Digest, (await readFile(digestFile, 'utf8')).trim());
  await ok(run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${reg.host}/sk/bb:1`, `oci:${join(work.dir, 'oci')}:x`]));

  await ok(berth(root, ['tag', 'busybox', `${reg.host}/berth/bb:1`]));
  const pushed = await ok(berth(root, ['push', `${reg.host}/berth/bb:1`]));
  const digest = /digest: (sha256:\S+)/.exec(pushed.stdout)?.[1];
  const fresh = await tempDir();
  t.after(fresh.cleanup);
  const other = join(fresh.dir, 'root');
  const pulled = await ok(berth(other, ['pull', `${reg.host}/berth/bb:1`]));
  assert.match(pulled.stdout, new RegExp(`Digest: ${digest}\n`));
  assert.equal((await ok(berth(other, ['run', '--rm', `${reg.host}/berth/bb:1`, 'echo', 'served by berth']))).stdout, 'served by berth\n');
  // The second repository mounts the layer from the first.
  await ok(berth(other, ['tag', `${reg.host}/berth/bb:1`, `${reg.host}/berth/copy:1`]));
  assert.match((await ok(berth(other, ['push', `${reg.host}/berth/copy:1`]))).stdout, /Mounted from berth\/bb/);
  assert.deepEqual(JSON.parse((await ok(berth(other, ['image', 'tags', `${reg.host}/berth/bb`]))).stdout), { Repository: `${reg.host}/berth/bb`, Tags: ['1'] });

  const catalog = await httpRequest(`${reg.url}/v2/_catalog`);
  assert.deepEqual(JSON.parse(catalog.body.toString()), { repositories: ['berth/bb', 'berth/copy', 'sk/bb'] });
  const metrics = (await httpRequest(`${reg.url}/metrics`)).body.toString();
  assert.match(metrics, /berth_registry_requests_total\{route="manifest",method="PUT",status="201"\} [1-9]/);
  assert.match(metrics, /berth_registry_storage_bytes [1-9]\d*/);
  assert.match(reg.logs(), /"PUT \/v2\/berth\/bb\/manifests\/1 HTTP\/1\.1" 201/);

  // Names that try to leave the storage never reach a path.
  // (Sent as they are: a URL parser would resolve the dot segments before they left.)
  for (const path of ['/v2/../../etc/manifests/latest', '/v2/a/%2e%2e/b/manifests/latest', '/v2/UPPER/manifests/latest', '/v2/a/..%2fb/tags/list']) {
    const r = await rawGet(reg.host, path);
    assert.ok([400, 404].includes(r.status), `${path}: ${r.status}`);
    assert.match(r.body, /"code":"(NAME_INVALID|NAME_UNKNOWN)"/, path);
  }
  const huge = await httpRequest(`${reg.url}/v2/x/manifests/big`, { method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: Buffer.alloc(5 << 20, 0x20) });
  assert.equal(huge.status, 413);
});

test('berth registry, TLS + htpasswd: login, push and pull with berth and skopeo; anonymous and wrong passwords refused', async (t) => {
  const reg = await startBerthRegistry({ tls: true, auth: 'htpasswd' });
  t.after(() => reg.stop());
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  const alice = reg.users[0] as { username: string; password: string };
  const env = { DOCKER_CONFIG: join(work.dir, 'docker') };
  const name = `${reg.host}/team/bb:1`;
  await ok(berth(root, ['tag', 'busybox', name]));
  const anonymous = await berth(root, ['push', '--cert-dir', reg.certDir as string, name], { env });
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /unauthorized: authentication required/);
  const wrong = await berth(root, ['login', '--cert-dir', reg.certDir as string, '-u', 'alice', '-p', 'nope', reg.host], { env });
  assert.equal(wrong.code, 1);
  assert.equal((await ok(berth(root, ['login', '--cert-dir', reg.certDir as string, '-u', alice.username, '--password-stdin', reg.host], { env, input: alice.password }))).stdout, 'Login Succeeded\n');
  await ok(berth(root, ['push', '--tls-verify=true', '--cert-dir', reg.certDir as string, name], { env }));
  const creds = `${alice.username}:${alice.password}`;
  const archive = await saved(root, work.dir);
  await ok(run('skopeo', ['copy', '--quiet', ...skopeoTls(reg, 'dest-'), '--dest-creds', creds, `docker-archive:${archive}`, `docker://${reg.host}/team/sk:1`]));
  await ok(run('skopeo', ['inspect', ...skopeoTls(reg, ''), '--creds', creds, `docker://${name}`]));
  const refused = await run('skopeo', ['inspect', ...skopeoTls(reg, ''), '--creds', 'alice:nope', `docker://${name}`]);
  assert.notEqual(refused.code, 0);
});

test("berth registry, bearer tokens it issues: scoped pushes, anonymous pulls allowed, anonymous pushes refused", async (t) => {
  const reg = await startBerthRegistry({ auth: 'token', anonymousRead: true });
  t.after(() => reg.stop());
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  const alice = reg.users[0] as { username: string; password: string };
  const name = `${reg.host}/tok/bb:1`;
  await ok(berth(root, ['tag', 'busybox', name]));
  const challenge = await httpRequest(`${reg.url}/v2/tok/bb/blobs/uploads/`, { method: 'POST' });
  assert.equal(challenge.status, 401);
  assert.match(String(challenge.headers['www-authenticate']), new RegExp(`^Bearer realm="http://${reg.host}/token",service="berth-registry",scope="repository:tok/bb:pull,push"$`));
  const denied = await berth(root, ['push', name]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /unauthorized/);
  await ok(berth(root, ['push', '--creds', `${alice.username}:${alice.password}`, name]));
  const fresh = await tempDir();
  t.after(fresh.cleanup);
  await ok(berth(join(fresh.dir, 'root'), ['pull', name]));
  await ok(run('skopeo', ['inspect', '--tls-verify=false', `docker://${name}`]));
  const badToken = await httpRequest(`${reg.url}/token?service=berth-registry&scope=repository:tok/bb:push`, { headers: { Authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` } });
  assert.equal(badToken.status, 401);
  const forged = await httpRequest(`${reg.url}/v2/tok/bb/tags/list`, { headers: { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJhY2Nlc3MiOltdfQ.' } });
  assert.equal(forged.status, 401, 'a token the registry did not sign is refused');
});

test('berth registry: an upload survives a restart of the server', async (t) => {
  const kept = await tempDir();
  t.after(kept.cleanup);
  const storage = join(kept.dir, 'storage');
  const first = await startBerthRegistry({ storage });
  t.after(() => first.stop());
  const data = Buffer.from('x'.repeat(100_000));
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const started = await httpRequest(`${first.url}/v2/up/blob/blobs/uploads/`, { method: 'POST' });
  assert.equal(started.status, 202);
  const location = String(started.headers.location);
  const half = await httpRequest(`${first.url}${location}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '0-49999' }, body: data.subarray(0, 50_000) });
  assert.deepEqual([half.status, half.headers.range], [202, '0-49999']);
  // The server stops (SIGTERM); a new one serves the same storage.
  await first.stop();
  const second = await startBerthRegistry({ storage });
  t.after(() => second.stop());
  const status = await httpRequest(`${second.url}${location}`);
  assert.deepEqual([status.status, status.headers.range], [204, '0-49999']);
  const rest = await httpRequest(`${second.url}${location}?digest=${digest}`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '50000-99999' }, body: data.subarray(50_000) });
  assert.equal(rest.status, 201, rest.body.toString());
  const back = await httpRequest(`${second.url}/v2/up/blob/blobs/${digest}`);
  assert.deepEqual(back.body, data);
});

test('registry gc: unreferenced blobs go after the grace period, referenced ones stay; check finds corruption', async (t) => {
  const reg = await startBerthRegistry();
  t.after(() => reg.stop());
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['tag', 'busybox', `${reg.host}/gc/bb:1`]));
  await ok(berth(root, ['push', '-q', `${reg.host}/gc/bb:1`]));
  // A blob pushed without any manifest naming it.
  const stray = Buffer.from('nobody needs me');
  const digest = `sha256:${createHash('sha256').update(stray).digest('hex')}`;
  assert.equal((await httpRequest(`${reg.url}/v2/gc/bb/blobs/uploads/?digest=${digest}`, { method: 'POST', body: stray })).status, 201);
  const storage = ['--storage', reg.storage];
  const young = await ok(berth(root, ['registry', 'gc', ...storage]));
  assert.equal(young.stdout, 'removed 0 blobs (0B) and 0 uploads\n', 'within the grace period nothing goes');
  const dry = await ok(berth(root, ['registry', 'gc', '--dry-run', '--grace', '0s', ...storage]));
  assert.equal(dry.stdout, `would remove blob ${digest} (15B)\nwould remove 1 blobs (15B) and 0 uploads\n`);
  await ok(berth(root, ['registry', 'gc', '--grace', '0s', ...storage]));
  assert.equal((await httpRequest(`${reg.url}/v2/gc/bb/blobs/${digest}`, { method: 'HEAD' })).status, 404);
  assert.equal((await ok(berth(root, ['registry', 'check', ...storage]))).stdout, 'No problems found.\n');
  const fresh = await tempDir();
  t.after(fresh.cleanup);
  await ok(berth(join(fresh.dir, 'root'), ['pull', '-q', `${reg.host}/gc/bb:1`]));
  // Corrupt the manifest on disk: check names it, and gc refuses to sweep without knowing what it needs.
  const victim = (await readdir(join(reg.storage, 'repositories', 'gc', 'bb', '_manifests')))[0] as string;
  await appendFile(join(reg.storage, 'blobs', 'sha256', victim), 'x');
  const bad = await berth(root, ['registry', 'check', ...storage]);
  assert.equal(bad.code, 1, bad.stderr);
  assert.equal(bad.stdout.split('\n')[0], `blob sha256:${victim} is corrupt: its content hashes to ${bad.stdout.split(' ').at(-1)?.trim()}`);
  const refused = await berth(root, ['registry', 'gc', '--grace', '0s', ...storage]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`manifest sha256:${victim} cannot be read .*run 'berth registry check'`));
});

test('berth registry on a unix socket', async (t) => {
  const work = await tempDir();
  t.after(work.cleanup);
  const socket = join(work.dir, 'registry.sock');
  const child = spawn(berthBin, ['--root', join(work.dir, 'root'), 'registry', 'serve', '--quiet', '--listen', `unix://${socket}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  let banner = '';
  for await (const c of child.stderr as AsyncIterable<Buffer>) {
    banner += c.toString();
    if (banner.includes('\n')) break;
  }
  assert.equal(banner, `berth registry: serving http://${socket}\n`);
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .request({ socketPath: socket, path: '/v2/' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject)
      .end();
  });
  assert.deepEqual(answer, { status: 200, body: '{}' });
});

test("registry serve --from-store: berth's images pulled by another store and by skopeo without a push; writes refused", async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  await ok(berth(root, ['tag', 'busybox', 'team/tool:2']));
  const port = await new Promise<number>((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(berthBin, ['--root', root, 'registry', 'serve', '--quiet', '--from-store', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  for await (const c of child.stderr as AsyncIterable<Buffer>) if (c.toString().includes('serving')) break;
  const host = `127.0.0.1:${port}`;
  assert.deepEqual(JSON.parse((await httpRequest(`http://${host}/v2/_catalog`)).body.toString()), { repositories: ['library/busybox', 'team/tool'] });
  const other = join(work.dir, 'root');
  await ok(berth(other, ['pull', '-q', `${host}/team/tool:2`]));
  assert.equal((await ok(berth(other, ['run', '--rm', `${host}/team/tool:2`, 'echo', 'never pushed']))).stdout, 'never pushed\n');
  await ok(run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${host}/library/busybox:latest`, `oci:${join(work.dir, 'oci')}:x`]));
  const write = await httpRequest(`http://${host}/v2/team/tool/blobs/uploads/`, { method: 'POST' });
  assert.equal(write.status, 405);
  assert.match(write.body.toString(), /"code":"UNSUPPORTED"/);
  // Stopped here, before the root's clean-up waits for every process that names the root.
  child.kill('SIGTERM');
  await exited;
});
