import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenges } from './auth.ts';
import { CredentialStore, credentialKey } from './credentials.ts';
import { describeErrorBody, kindForStatus } from './errors.ts';
import { apiHost, endpointsFor, endpointUrl, isDockerHub, isInsecure, mirrorEndpoint } from './hosts.ts';

test('WWW-Authenticate challenges: Bearer with quoted params, Basic, several in one header', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  assert.deepEqual(parseChallenges('Basic realm="a, b", Bearer realm="http://x/t",scope="repository:a:pull,push",error="insufficient_scope"'), [
    { scheme: 'basic', params: { realm: 'a, b' } },
    { scheme: 'bearer', params: { realm: 'http://x/t', scope: 'repository:a:pull,push', error: 'insufficient_scope' } },
  ]);
  assert.deepEqual(parseChallenges('Bearer realm=http://x/token,service=reg'), [{ scheme: 'bearer', params: { realm: 'http://x/token', service: 'reg' } }]);
  assert.deepEqual(parseChallenges('Bearer realm="a\\"b"'), [{ scheme: 'bearer', params: { realm: 'a"b' } }]);
  assert.deepEqual(parseChallenges(undefined), []);
  assert.deepEqual(parseChallenges(''), []);
});

test("endpoints: Docker Hub's API host, HTTPS with verification, insecure registries fall back to HTTP", () => {
  assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(apiHost('quay.io'), 'quay.io');
  assert.deepEqual(
    endpointsFor('quay.io', { certDir: '/nonexistent' }).map((e) => [e.base, e.verify]),
    [['https://quay.io', true]],
  );
  assert.deepEqual(
    endpointsFor('127.0.0.1:5000', { certDir: '/nonexistent' }).map((e) => [e.base, e.verify]),
    [['https://127.0.0.1:5000', false], ['http://127.0.0.1:5000', false]],
  );
  // --tls-verify=true makes even loopback strict; false makes any registry insecure.
  assert.deepEqual(endpointsFor('localhost:5000', { tlsVerify: true, certDir: '/nonexistent' }).map((e) => e.base), ['https://localhost:5000']);
  assert.deepEqual(endpointsFor('quay.io', { tlsVerify: false, certDir: '/nonexistent' }).map((e) => e.base), ['https://quay.io', 'http://quay.io']);
  assert.equal(isInsecure('[::1]:5000', []), true);
  assert.equal(isInsecure('10.1.2.3:5000', ['10.0.0.0/8']), true);
  assert.equal(isInsecure('10.1.2.3:5000', ['10.1.2.3:5000']), true);
  assert.equal(isInsecure('11.1.2.3:5000', ['10.0.0.0/8']), false);
  assert.equal(isInsecure('registry.example', []), false);
});

test("registry errors read as Docker's: code in words, then the message", () => {
  const body = Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'x' } }] }));
  assert.equal(describeErrorBody(404, body), 'manifest unknown: manifest unknown');
  assert.equal(describeErrorBody(401, Buffer.from('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"},{"code":"DENIED"}]}')), 'unauthorized: authentication required; denied');
  assert.equal(describeErrorBody(401, Buffer.from('{"details":"incorrect username or password"}')), 'incorrect username or password');
  assert.equal(describeErrorBody(502, Buffer.from('<html>bad gateway</html>')), 'bad gateway (HTTP 502)');
  assert.equal(describeErrorBody(500, Buffer.alloc(0)), 'internal server error (HTTP 500)');
  assert.equal(kindForStatus(401), 'Unauthorized');
  assert.equal(kindForStatus(404), 'NotFound');
  assert.equal(kindForStatus(503), 'Unavailable');
});

test("credentials in Docker's config.json: base64 auths, other tools' keys, erase, other fields kept", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-creds-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ auths: { 'https://quay.io/v2/': { auth: Buffer.from('q:pw:with:colons').toString('base64') } }, psFormat: 'table {{.ID}}' }));
  const store = new CredentialStore(file);
  assert.deepEqual(await store.get('quay.io'), { username: 'q', password: 'pw:with:colons' });
  assert.equal(await store.get('localhost:5000'), undefined);
  await store.store('docker.io', { username: 'me', password: 'secret' });
  await store.store('localhost:5000', { username: 'a', password: 'b' });
  const doc = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, { auth: string }>; psFormat: string };
  assert.equal(doc.psFormat, 'table {{.ID}}', 'other settings survive');
  assert.equal(doc.auths['https://index.docker.io/v1/']?.auth, Buffer.from('me:secret').toString('base64'));
  assert.deepEqual(await store.get('docker.io'), { username: 'me', password: 'secret' });
  assert.equal(credentialKey('index.docker.io'), 'https://index.docker.io/v1/');
  assert.equal(await store.erase('localhost:5000'), true);
  assert.equal(await store.erase('localhost:5000'), false);
  assert.equal(await store.get('localhost:5000'), undefined);
  await writeFile(file, '{not json');
  await assert.rejects(store.get('quay.io'), /config\.json: not a valid config file/);
});

test('credential helpers: credsStore and credHelpers run docker-credential-NAME get/store/erase', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-creds-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // A helper that keeps one secret in a file, as the real ones keep it in a keychain.
  const helper = join(dir, 'docker-credential-filed');
  await writeFile(
    helper,
    `#!/bin/sh
read -r input
case "$1" in
  get) if [ -f "${dir}/secret" ]; then cat "${dir}/secret"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store) echo "$input" | sed 's/"ServerURL"/"Stored"/' > "${dir}/secret" ;;
  erase) rm -f "${dir}/secret" ;;
esac
`,
  );
  await chmod(helper, 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  t.after(() => (process.env.PATH = oldPath));
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ credHelpers: { 'localhost:5000': 'filed' } }));
  const store = new CredentialStore(file);
  assert.equal(await store.get('localhost:5000'), undefined);
  await store.store('localhost:5000', { username: 'u', password: 'p w' });
  assert.match(await readFile(join(dir, 'secret'), 'utf8'), /"Username":"u","Secret":"p w"/);
  assert.deepEqual(await store.get('localhost:5000'), { username: 'u', password: 'p w' });
  const doc = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, unknown> };
  assert.deepEqual(doc.auths['localhost:5000'], {}, 'the secret stays in the helper');
  assert.equal(await store.get('other:1'), undefined, 'no helper for another registry, no auths entry');
  assert.equal(await store.erase('localhost:5000'), true);
  assert.equal(await store.get('localhost:5000'), undefined);
  await writeFile(file, JSON.stringify({ credsStore: 'missing' }));
  await assert.rejects(store.get('x:1'), /error getting credentials - docker-credential-missing: spawn docker-credential-missing ENOENT/);
});

test('mirror endpoints: the URL as given (a path is a prefix before /v2/), verified HTTPS unless insecure, never a fallback', () => {
  assert.ok(isDockerHub('docker.io') && isDockerHub('index.docker.io') && !isDockerHub('registry-1.docker.io') && !isDockerHub('quay.io'));
  const plain = mirrorEndpoint('http://127.0.0.1:5000/');
  assert.deepEqual([plain.base, plain.verify], ['http://127.0.0.1:5000', false]);
  const prefixed = mirrorEndpoint('https://mirror.example/hub/', { certDir: '/nonexistent' });
  assert.deepEqual([prefixed.base, prefixed.verify], ['https://mirror.example/hub', true]);
  assert.equal(endpointUrl(prefixed.base, '/v2/library/busybox/manifests/latest').href, 'https://mirror.example/hub/v2/library/busybox/manifests/latest');
  assert.equal(endpointUrl(prefixed.base, 'https://other.example/v2/x/tags/list?last=a').href, 'https://other.example/v2/x/tags/list?last=a');
  assert.equal(mirrorEndpoint('https://mirror.example:5000/', { certDir: '/nonexistent', insecureRegistries: ['mirror.example:5000'] }).verify, false);
  assert.equal(mirrorEndpoint('https://127.0.0.1:5000/', { certDir: '/nonexistent', tlsVerify: true }).verify, true);
});
