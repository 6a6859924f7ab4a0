// The registry fixtures proved with real clients: skopeo pushes berth's busybox to each kind of
// registry and reads it back; the auth challenges, the token server's grants and every fault the
// proxy injects are checked with plain HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, ok, run, rootWithBusybox, tempDir } from './helpers.ts';
import { startRegistry, startFaultyProxy, httpRequest, digestOf, type Registry, type RegistryOptions, type User } from './registry-servers.ts';

let work: string;
let archive: string; // berth's busybox:latest as a docker-archive
let cleanupWork: () => Promise<void> = async () => undefined;

before(async () => {
  ({ dir: work, cleanup: cleanupWork } = await tempDir());
  archive = join(work, 'busybox.tar');
  const { root, cleanup } = await rootWithBusybox();
  try {
    await ok(berth(root, ['save', '-o', archive, 'busybox:latest']));
  } finally {
    await cleanup();
  }
});
after(() => cleanupWork());

/** skopeo's flags to reach REG: --PREFIXtls-verify=false or --PREFIXcert-dir, and --PREFIXcreds. */
function skopeoFlags(reg: Registry, prefix: '' | 'dest-', user?: User): string[] {
  const flags = reg.certDir ? [`--${prefix}cert-dir`, join(reg.certDir, reg.host)] : [`--${prefix}tls-verify=false`];
  if (user) flags.push(`--${prefix}creds`, `${user.username}:${user.password}`);
  return flags;
}

function push(reg: Registry, ref: string, user?: User, digestFile?: string): ReturnType<typeof run> {
  const extra = digestFile ? ['--digestfile', digestFile] : [];
  return run('skopeo', ['copy', '--quiet', ...extra, ...skopeoFlags(reg, 'dest-', user), `docker-archive:${archive}`, `docker://${reg.host}/${ref}`]);
}

async function inspect(reg: Registry, ref: string, user?: User): Promise<{ Digest: string; Layers: string[] }> {
  const r = await ok(run('skopeo', ['inspect', ...skopeoFlags(reg, '', user), `docker://${reg.host}/${ref}`]));
  return JSON.parse(r.stdout) as { Digest: string; Layers: string[] };
}

function user(reg: Registry, name: string): User {
  const u = reg.users.find((x) => x.username === name);
  assert.ok(u, `no user ${name}`);
  return u;
}

const basic = (u: User, password = u.password): string => `Basic ${Buffer.from(`${u.username}:${password}`).toString('base64')}`;

async function pushAndInspect(reg: Registry, u?: User): Promise<void> {
  const digestFile = join(work, `${reg.host.replace(':', '-')}.digest`);
  const pushed = await push(reg, 'test/busybox:1', u, digestFile);
  assert.equal(pushed.code, 0, `skopeo copy failed: ${pushed.stderr}\nregistry log:\n${reg.logs()}`);
  const back = await inspect(reg, 'test/busybox:1', u);
  assert.equal(back.Digest, (await readFile(digestFile, 'utf8')).trim());
  assert.equal(back.Layers.length, 1);
}

const modes: RegistryOptions[] = [{ tls: false, auth: 'none' }, { tls: true, auth: 'htpasswd' }, { tls: false, auth: 'token' }];
for (const mode of modes) {
  test(`skopeo pushes busybox and reads it back: ${mode.tls ? 'tls' : 'plain'}, auth ${mode.auth}`, async (t) => {
    const reg = await startRegistry(mode);
    t.after(() => reg.stop());
    const alice = mode.auth === 'none' ? undefined : user(reg, 'alice');
    await pushAndInspect(reg, alice);

    if (mode.auth === 'none') {
      const res = await fetch(`${reg.url}/v2/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    }
    if (mode.auth === 'htpasswd') {
      const ca = await readFile(reg.caFile as string);
      await assert.rejects(httpRequest(`${reg.url}/v2/`), /self-signed|unable to verify/, 'the CA is needed');
      const anonymous = await httpRequest(`${reg.url}/v2/`, { ca });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="berth-test"');
      assert.equal((await httpRequest(`${reg.url}/v2/`, { ca, headers: { authorization: basic(alice as User) } })).status, 200);
      assert.equal((await httpRequest(`${reg.url}/v2/`, { ca, headers: { authorization: basic(alice as User, 'wrong') } })).status, 401);
    }
    if (mode.auth === 'token') {
      // skopeo asked for push and pull with alice's credentials, and got them.
      const asked = reg.tokenRequests.find((r) => r.scope.includes('repository:test/busybox:pull,push'));
      assert.ok(asked, JSON.stringify(reg.tokenRequests));
      assert.equal(asked.service, reg.service);
      assert.equal(asked.account, 'alice');
      assert.equal(asked.basicAuthUser, 'alice');
      assert.deepEqual(asked.granted, [{ type: 'repository', name: 'test/busybox', actions: ['pull', 'push'] }]);
    }
  });
}

test('token server: challenges, grants by user, refusals, OAuth2 form', async (t) => {
  const reg = await startRegistry({ auth: 'token' });
  t.after(() => reg.stop());
  const alice = user(reg, 'alice');
  const reader = user(reg, 'reader');
  const token = async (scope: string, u?: User, service = reg.service as string): Promise<string> => {
    const q = new URLSearchParams({ service, scope });
    const res = await fetch(`${reg.realm}?${q}`, { headers: u ? { authorization: basic(u) } : {} });
    assert.equal(res.status, 200);
    return ((await res.json()) as { token: string }).token;
  };
  const bearer = (tok: string): Record<string, string> => ({ authorization: `Bearer ${tok}` });

  // The challenge names the realm, the service and the scope the request needs.
  const challenge = await fetch(`${reg.url}/v2/test/busybox/manifests/1`);
  assert.equal(challenge.status, 401);
  assert.equal(challenge.headers.get('www-authenticate'),
    `Bearer realm="${reg.realm}",service="${reg.service}",scope="repository:test/busybox:pull"`);
  assert.equal((await fetch(`${reg.url}/v2/`)).headers.get('www-authenticate'), `Bearer realm="${reg.realm}",service="${reg.service}"`);

  // Anonymous: pull under public/ only (an unknown repository answers 404, not 401).
  const pub = await fetch(`${reg.url}/v2/public/nothing/tags/list`, { headers: bearer(await token('repository:public/nothing:pull')) });
  assert.equal(pub.status, 404);
  const priv = await fetch(`${reg.url}/v2/test/nothing/tags/list`, { headers: bearer(await token('repository:test/nothing:pull')) });
  assert.equal(priv.status, 401);
  assert.match(priv.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
  // A token asked for another service carries that audience, and the registry refuses it.
  const elsewhere = await fetch(`${reg.url}/v2/public/nothing/tags/list`, { headers: bearer(await token('repository:public/nothing:pull', undefined, 'elsewhere')) });
  assert.equal(elsewhere.status, 401);
  assert.match(elsewhere.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

  // reader: a token for pull and push holds only pull, and the registry refuses the upload.
  const readerToken = await token('repository:test/other:pull,push', reader);
  assert.deepEqual(reg.tokenRequests.at(-1)?.granted, [{ type: 'repository', name: 'test/other', actions: ['pull'] }]);
  const upload = await fetch(`${reg.url}/v2/test/other/blobs/uploads/`, { method: 'POST', headers: bearer(readerToken) });
  assert.equal(upload.status, 401);
  const byAlice = await fetch(`${reg.url}/v2/test/other/blobs/uploads/`, { method: 'POST', headers: bearer(await token('repository:test/other:pull,push', alice)) });
  assert.equal(byAlice.status, 202);
  await byAlice.body?.cancel();
  const refused = await push(reg, 'test/other:1', reader);
  assert.notEqual(refused.code, 0, 'reader pushed');

  // A wrong password: 401 from the token server, and skopeo gives up.
  const wrong = await fetch(`${reg.realm}?service=${reg.service}&scope=repository:test/x:pull`, { headers: { authorization: basic(alice, 'wrong') } });
  assert.equal(wrong.status, 401);
  assert.equal(reg.tokenRequests.at(-1)?.granted, undefined);
  const inspectWrong = await run('skopeo', ['inspect', '--tls-verify=false', '--creds', 'alice:wrong', `docker://${reg.host}/test/x:1`]);
  assert.notEqual(inspectWrong.code, 0);

  // OAuth2 form: a password grant with a refresh token, then a refresh grant; its token works.
  const form = async (fields: Record<string, string>): Promise<Response> => fetch(reg.realm as string, { method: 'POST', body: new URLSearchParams({ service: reg.service as string, client_id: 'berth-test', ...fields }) });
  const badGrant = await form({ grant_type: 'password', username: 'alice', password: 'wrong', scope: 'repository:test/x:pull' });
  assert.equal(badGrant.status, 400);
  const first = (await (await form({ grant_type: 'password', username: 'alice', password: alice.password, access_type: 'offline', scope: 'repository:public/x:pull' })).json()) as { refresh_token: string };
  assert.ok(first.refresh_token);
  const refreshed = await form({ grant_type: 'refresh_token', refresh_token: first.refresh_token, scope: 'repository:test/other:pull repository:test/x:pull' });
  assert.equal(refreshed.status, 200);
  const { access_token: accessToken } = (await refreshed.json()) as { access_token: string };
  assert.equal(reg.tokenRequests.at(-1)?.grantType, 'refresh_token');
  assert.deepEqual(reg.tokenRequests.at(-1)?.scope, ['repository:test/other:pull', 'repository:test/x:pull']);
  const tags = await fetch(`${reg.url}/v2/test/other/tags/list`, { headers: bearer(accessToken) });
  assert.equal(tags.status, 404, 'authorized (nothing pushed there: NAME_UNKNOWN)');
});

/** GET with node:http, keeping whatever arrives before the connection dies. */
function rawGet(url: string): Promise<{ status: number; contentLength: number; received: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => { received += c.length; });
      res.on('error', () => undefined); // 'aborted': what the test wants to see
      res.on('close', () => resolve({ status: res.statusCode ?? 0, contentLength: Number(res.headers['content-length']), received, complete: res.complete }));
    }).on('error', reject);
  });
}

test('faulty proxy: forwards a real push, injects each fault, counts requests', async (t) => {
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const proxy = await startFaultyProxy(reg.host);
  t.after(() => proxy.stop());

  // skopeo through the proxy: uploads (with their Location), manifests, reading back.
  const viaProxy: Registry = { ...reg, host: proxy.host, url: proxy.url };
  await pushAndInspect(viaProxy);
  assert.ok(proxy.count(/\/blobs\/uploads\//) > 0);

  // A blob uploaded through the proxy; the registry's absolute Location comes back pointing at the proxy.
  const blob = randomBytes(64 * 1024);
  const digest = digestOf(blob);
  const started = await fetch(`${proxy.url}/v2/test/blob/blobs/uploads/`, { method: 'POST' });
  assert.equal(started.status, 202);
  const location = started.headers.get('location') ?? '';
  assert.ok(location.startsWith(`${proxy.url}/v2/test/blob/blobs/uploads/`), location);
  const put = await fetch(`${location}&digest=${digest}`, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  const blobUrl = `${proxy.url}/v2/test/blob/blobs/${digest}`;
  const blobPath = /\/v2\/test\/blob\/blobs\/sha256:/;

  // status500 once: a distribution-style error, then the blob.
  proxy.setFaults([{ kind: 'status500', path: blobPath }]);
  const failed = await fetch(blobUrl);
  assert.equal(failed.status, 500);
  assert.equal(((await failed.json()) as { errors: { code: string }[] }).errors[0]?.code, 'UNKNOWN');
  const good = await fetch(blobUrl);
  assert.equal(good.status, 200);
  assert.equal(digestOf(Buffer.from(await good.arrayBuffer())), digest);
  assert.equal(proxy.count(blobPath, 'GET'), 2);

  // truncate: the full Content-Length announced, half the body sent, the connection cut.
  proxy.setFaults([{ kind: 'truncate', path: blobPath }]);
  const cut = await rawGet(blobUrl);
  assert.deepEqual(cut, { status: 200, contentLength: blob.length, received: blob.length / 2, complete: false });
  proxy.setFaults([{ kind: 'truncate', path: blobPath }]);
  await assert.rejects(fetch(blobUrl).then((r) => r.arrayBuffer()), 'fetch sees the body end early');

  // corrupt: same length, another digest.
  proxy.setFaults([{ kind: 'corrupt', path: blobPath }]);
  const bad = Buffer.from(await (await fetch(blobUrl)).arrayBuffer());
  assert.equal(bad.length, blob.length);
  assert.notEqual(digestOf(bad), digest);

  // reset: the connection closes before any answer.
  proxy.setFaults([{ kind: 'reset', path: blobPath }]);
  await assert.rejects(fetch(blobUrl), /fetch failed/);

  // delay: the answer comes, late.
  proxy.setFaults([{ kind: 'delay', path: blobPath, ms: 300 }]);
  const t0 = Date.now();
  assert.equal((await fetch(blobUrl)).status, 200);
  assert.ok(Date.now() - t0 >= 290, `answered after ${Date.now() - t0} ms`);

  // Range passes through; a fault for twice matches twice, then no more.
  const part = await fetch(blobUrl, { headers: { range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), blob.subarray(100, 200));
  proxy.setFaults([{ kind: 'status500', path: blobPath, method: 'HEAD', times: 2 }]);
  const heads = [];
  for (let i = 0; i < 3; i++) heads.push((await fetch(blobUrl, { method: 'HEAD' })).status);
  assert.deepEqual(heads, [500, 500, 200]);
  assert.equal(proxy.requests.filter((r) => r.fault).length, 8);
});
