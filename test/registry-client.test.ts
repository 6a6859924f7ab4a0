// berth as a registry client against the reference registry on loopback: push, pull, login and
// logout in the three auth modes (none, TLS + htpasswd, bearer tokens), interop with skopeo both
// ways, multi-platform indexes, and a proxy that injects faults (500s, truncated and corrupt
// blobs, resets) that must end in retries or a clear error, never in a wrong store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { berth, berthBin, makeBusyboxTar, ok, run, rootWithBusybox, tempDir, type RunResult } from './helpers.ts';
import { PtySession } from './pty.ts';
import { startFaultyProxy, startRegistry, type Registry, type User } from './registry-servers.ts';

function user(reg: Registry, name: string): User {
  const u = reg.users.find((x) => x.username === name);
  assert.ok(u, `no user ${name}`);
  return u;
}

/** A root with busybox, an empty root to pull into, and a DOCKER_CONFIG of their own. */
async function roots(t: { after: (fn: () => Promise<void>) => void }): Promise<{ src: string; dst: string; env: Record<string, string> }> {
  const a = await rootWithBusybox();
  const b = await tempDir();
  t.after(a.cleanup);
  t.after(b.cleanup);
  await mkdir(join(b.dir, 'docker'));
  return { src: a.root, dst: join(b.dir, 'root'), env: { DOCKER_CONFIG: join(b.dir, 'docker') } };
}

function failed(r: RunResult, pattern: RegExp, code = 1): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern);
}

test('push and pull on a plain registry: progress, digests, up to date, by digest, mount, -a, errors', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const { src, dst } = await roots(t);
  const name = `${reg.host}/test/busybox`;
  await ok(berth(src, ['tag', 'busybox', `${name}:1`]));
  const pushed = await ok(berth(src, ['push', `${name}:1`]));
  assert.match(pushed.stdout, new RegExp(`^The push refers to repository \\[${name}\\]\n`));
  assert.match(pushed.stdout, /^[0-9a-f]{12}: Pushed$/m);
  const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed.stdout)?.[1];
  assert.ok(digest, pushed.stdout);
  // The registry has what berth says it pushed, with its layers compressed.
  const remote = JSON.parse((await ok(run('skopeo', ['inspect', '--tls-verify=false', `docker://${name}:1`]))).stdout) as { Digest: string };
  assert.equal(remote.Digest, digest);
  const raw = JSON.parse((await ok(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${name}:1`]))).stdout) as { layers: { mediaType: string }[] };
  assert.match(raw.layers[0]?.mediaType ?? '', /tar\+gzip$/);
  assert.equal((await ok(berth(src, ['system', 'check']))).stdout, 'No problems found.\n', 'the uncompressed blob it replaced is gone');

  const pulled = await ok(berth(dst, ['pull', `${name}:1`]));
  assert.match(pulled.stdout, new RegExp(`^1: Pulling from test/busybox\n[0-9a-f]{12}: Pulling fs layer\n(?:[0-9a-f]{12}: Downloading\n)?[0-9a-f]{12}: Pull complete\nDigest: ${digest}\nStatus: Downloaded newer image for ${name}:1\n${name}:1\n$`));
  const inspect = JSON.parse((await ok(berth(dst, ['image', 'inspect', `${name}:1`]))).stdout) as { Id: string; RepoDigests: string[] }[];
  assert.deepEqual(inspect[0]?.RepoDigests, [`${name}@${digest}`]);
  assert.equal(inspect[0]?.Id, JSON.parse((await ok(berth(src, ['image', 'inspect', 'busybox']))).stdout)[0].Id, 'same image ID on both sides');
  assert.equal((await ok(berth(dst, ['run', '--rm', `${name}:1`, 'echo', 'pulled and ran']))).stdout, 'pulled and ran\n');

  const again = await ok(berth(dst, ['pull', `${name}:1`]));
  assert.match(again.stdout, /: Already exists\n/);
  assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${name}:1\n`));
  const byDigest = await ok(berth(dst, ['pull', '-q', `${name}@${digest}`]));
  assert.equal(byDigest.stdout, `${name}@${digest}\n`);

  // A second repository on the same registry: the layer is mounted, not uploaded again.
  await ok(berth(dst, ['tag', `${name}:1`, `${reg.host}/other/bb:2`]));
  const mounted = await ok(berth(dst, ['push', `${reg.host}/other/bb:2`]));
  assert.match(mounted.stdout, /: Mounted from test\/busybox$/m);
  await ok(berth(src, ['tag', 'busybox', `${name}:2`]));
  const all = await ok(berth(src, ['push', '-a', name]));
  assert.match(all.stdout, /^1: digest: /m);
  assert.match(all.stdout, /^2: digest: /m);
  await ok(berth(dst, ['rmi', `${name}:1`]));
  const every = await ok(berth(dst, ['pull', '-a', '-q', name]));
  assert.equal(every.stdout, `${name}:1\n${name}:2\n`);

  // run and create pull what the store lacks (--pull missing), or always, or never.
  const fresh = await tempDir();
  t.after(fresh.cleanup);
  const third = join(fresh.dir, 'root');
  const never = await berth(third, ['run', '--rm', '--pull', 'never', `${name}:1`, 'true']);
  assert.deepEqual([never.code, never.stderr], [125, `berth: Error: No such image: ${name}:1\n`]);
  const onRun = await ok(berth(third, ['run', '--rm', `${name}:1`, 'echo', 'pulled on run']));
  assert.equal(onRun.stdout, 'pulled on run\n');
  assert.match(onRun.stderr, new RegExp(`^Unable to find image '${name}:1' locally\n1: Pulling from test/busybox\n[^]*Status: Downloaded newer image for ${name}:1\n$`));
  const always = await ok(berth(third, ['create', '--pull', 'always', `${name}:1`]));
  assert.match(always.stderr, /Status: Image is up to date/);
  assert.match(always.stdout, /^[0-9a-f]{64}\n$/);
  await ok(berth(third, ['rm', always.stdout.trim()]));
  await ok(berth(third, ['rmi', `${name}:1`]));
  const quiet = await ok(berth(third, ['create', '-q', `${name}:1`]));
  assert.equal(quiet.stderr, '', '-q: no pull output');
  await ok(berth(third, ['rm', quiet.stdout.trim()]));
  failed(await berth(third, ['run', '--pull', 'sometimes', `${name}:1`]), /invalid pull option: 'sometimes'/, 125);

  failed(await berth(dst, ['pull', `${reg.host}/test/nope`]), new RegExp(`^Error response from daemon: manifest for ${reg.host}/test/nope:latest not found: manifest unknown: manifest unknown\n$`));
  failed(await berth(dst, ['push', `${reg.host}/test/absent:1`]), new RegExp(`An image does not exist locally with the tag: ${reg.host}/test/absent:1`));
  failed(await berth(dst, ['pull', '-a', `${name}:1`]), /tag can't be used with --all-tags\/-a/);
  failed(await berth(dst, ['pull', '127.0.0.1:1/x']), /Error response from daemon: .*127\.0\.0\.1:1.*ECONNREFUSED/);
  assert.equal((await ok(berth(dst, ['system', 'check']))).stdout, 'No problems found.\n');
});

test('TLS with htpasswd: login checks and stores credentials, certs.d verification, logout', async (t) => {
  const reg = await startRegistry({ tls: true, auth: 'htpasswd' });
  t.after(() => reg.stop());
  const { src, dst, env } = await roots(t);
  const alice = user(reg, 'alice');
  const name = `${reg.host}/team/busybox:1`;
  await ok(berth(src, ['tag', 'busybox', name]));
  failed(await berth(src, ['push', name], { env }), /Error response from daemon: .*unauthorized: authentication required/);
  failed(await berth(src, ['login', '-u', alice.username, '--password-stdin', reg.host], { env, input: 'wrong\n' }), /Error response from daemon: login to https:\/\/127\.0\.0\.1:\d+ failed: unauthorized/);
  const login = await berth(src, ['login', '-u', alice.username, '--password-stdin', reg.host], { env, input: `${alice.password}\n` });
  assert.equal(login.stdout, 'Login Succeeded\n', login.stderr);
  const config = JSON.parse(await readFile(join(env.DOCKER_CONFIG as string, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
  assert.equal(config.auths[reg.host]?.auth, Buffer.from(`${alice.username}:${alice.password}`).toString('base64'));
  await ok(berth(src, ['push', name], { env }));
  // --tls-verify=true checks the certificate even on loopback: with the CA from certs.d it passes.
  const strict = await berth(dst, ['pull', '--tls-verify=true', name], { env });
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /tls: certificate signed by unknown authority .*--cert-dir/);
  await ok(berth(dst, ['pull', '--tls-verify=true', '--cert-dir', reg.certDir as string, name], { env }));
  assert.equal((await ok(berth(dst, ['logout', reg.host], { env }))).stdout, `Removing login credentials for ${reg.host}\n`);
  assert.equal((await ok(berth(dst, ['logout', reg.host], { env }))).stdout, `Not logged in to ${reg.host}\n`);
  failed(await berth(dst, ['pull', '--tls-verify=false', name], { env }), /unauthorized/);
  // --creds works without a login.
  await ok(berth(dst, ['pull', '--creds', `${alice.username}:${alice.password}`, name], { env }));
});

test('bearer tokens: scopes asked for, a pull-only user cannot push, anonymous access is refused', async (t) => {
  const reg = await startRegistry({ auth: 'token' });
  t.after(() => reg.stop());
  const { src, dst, env } = await roots(t);
  const alice = user(reg, 'alice');
  const reader = user(reg, 'reader');
  const name = `${reg.host}/test/busybox:1`;
  await ok(berth(src, ['tag', 'busybox', name]));
  await ok(berth(src, ['login', '-u', alice.username, '-p', alice.password, reg.host], { env }));
  await ok(berth(src, ['push', name], { env }));
  assert.ok(reg.tokenRequests.some((r) => r.account === 'alice' && r.scope.includes('repository:test/busybox:pull,push')), JSON.stringify(reg.tokenRequests));
  await ok(berth(src, ['logout', reg.host], { env }));
  failed(await berth(dst, ['pull', name], { env }), /Error response from daemon: .*(unauthorized|denied)/);
  const readerCreds = `${reader.username}:${reader.password}`;
  await ok(berth(dst, ['pull', '--creds', readerCreds, name], { env }));
  await ok(berth(dst, ['tag', name, `${reg.host}/test/busybox:2`]));
  failed(await berth(dst, ['push', '--creds', readerCreds, `${reg.host}/test/busybox:2`], { env }), /Error response from daemon: .*(unauthorized|denied)/);
  failed(await berth(dst, ['login', '-u', 'alice', '-p', 'wrong', reg.host], { env }), /Error response from daemon: .*(unauthorized|incorrect|denied)/);
});

test('interop with skopeo: berth pulls what skopeo pushed, skopeo copies what berth pushed, digests agree', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const { src, dst } = await roots(t);
  const work = await tempDir();
  t.after(work.cleanup);
  const archive = join(work.dir, 'bb.tar');
  await ok(berth(src, ['save', '-o', archive, 'busybox']));
  const digestFile = join(work.dir, 'digest');
  await ok(run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile, `docker-archive:${archive}`, `docker://${reg.host}/from/skopeo:1`]));
  // --format json: one JSON object per line, as Docker's progress stream has them.
  const pulled = await ok(berth(dst, ['pull', '--format', 'json', `${reg.host}/from/skopeo:1`]));
  const events = pulled.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id?: string; status: string; progressDetail?: { current: number; total: number } });
  assert.deepEqual(events[0], { id: '1', status: 'Pulling from from/skopeo' });
  assert.ok(events.some((e) => e.status === 'Downloading' && e.progressDetail && e.progressDetail.current === e.progressDetail.total));
  assert.ok(events.some((e) => e.status === 'Pull complete' && /^[0-9a-f]{12}$/.test(e.id ?? '')));
  assert.deepEqual(events.at(-2), { status: `Digest: ${(await readFile(digestFile, 'utf8')).trim()}` });
  assert.equal((await ok(berth(dst, ['run', '--rm', `${reg.host}/from/skopeo:1`, 'true']))).code, 0);

  await ok(berth(src, ['tag', 'busybox', `${reg.host}/from/berth:1`]));
  const pushed = await ok(berth(src, ['push', `${reg.host}/from/berth:1`]));
  const digest = /digest: (sha256:\S+)/.exec(pushed.stdout)?.[1];
  const oci = join(work.dir, 'oci');
  await ok(run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${reg.host}/from/berth:1`, `oci:${oci}:x`]));
  const index = JSON.parse(await readFile(join(oci, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  assert.equal(index.manifests[0]?.digest, digest, 'skopeo stored the manifest berth pushed, unchanged');
});

test('a multi-platform index: the host platform by default, --platform picks another, a missing one is named', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const { src, dst } = await roots(t);
  const work = await tempDir();
  t.after(work.cleanup);
  // An OCI layout with one layer and two configs (amd64, arm64) under one index, copied with skopeo --all.
  const layout = join(work.dir, 'layout');
  await ok(run('skopeo', ['copy', '--quiet', `docker-archive:${await saved(src, work.dir)}`, `oci:${layout}:base`]));
  const blob = async (d: string): Promise<Buffer> => readFile(join(layout, 'blobs', 'sha256', d.slice(7)));
  const put = async (bytes: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const top = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const base = JSON.parse((await blob(top.manifests[0]?.digest as string)).toString()) as { config: { digest: string; mediaType: string }; layers: unknown[] };
  const config = JSON.parse((await blob(base.config.digest)).toString()) as Record<string, unknown>;
  const entries = [];
  for (const arch of ['arm64', 'amd64']) {
    const c = await put(Buffer.from(JSON.stringify({ ...config, architecture: arch, ...(arch === 'arm64' ? { variant: 'v8' } : {}) })));
    const m = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { ...base.config, ...c }, layers: base.layers })));
    entries.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, platform: { os: 'linux', architecture: arch } });
  }
  const idx = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries })));
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...idx, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }] }));
  await ok(run('skopeo', ['copy', '--quiet', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `docker://${reg.host}/multi/bb:1`]));

  const name = `${reg.host}/multi/bb:1`;
  // Without pulling: the tags, and the index with its platforms and the host's config.
  const tags = JSON.parse((await ok(berth(dst, ['image', 'tags', `docker://${reg.host}/multi/bb`]))).stdout) as unknown;
  assert.deepEqual(tags, { Repository: `${reg.host}/multi/bb`, Tags: ['1'] });
  const remote = JSON.parse((await ok(berth(dst, ['image', 'inspect', '--remote', name]))).stdout) as { Digest: string; Platforms: string[]; Config: { architecture: string }; Tags: string[] }[];
  assert.equal(remote[0]?.Digest, idx.digest);
  assert.deepEqual(remote[0]?.Platforms, ['linux/arm64', 'linux/amd64']);
  assert.equal(remote[0]?.Config.architecture, 'amd64');
  assert.equal((await ok(berth(dst, ['images', '-q']))).stdout, '', 'nothing was pulled');
  failed(await berth(dst, ['image', 'tags', `${reg.host}/multi/none`]), /Error response from daemon: .*name unknown/);
  // image copy: --all keeps the index and its digest; without it, the host's manifest alone.
  await ok(berth(dst, ['image', 'copy', '-q', '--all', `docker://${name}`, `oci:${join(work.dir, 'all')}:m`]));
  const allIndex = JSON.parse(await readFile(join(work.dir, 'all', 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  assert.equal(allIndex.manifests[0]?.digest, idx.digest);
  await ok(berth(dst, ['image', 'copy', '-q', `docker://${name}`, `oci:${join(work.dir, 'one')}:m`]));
  const oneIndex = JSON.parse(await readFile(join(work.dir, 'one', 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  assert.equal(oneIndex.manifests[0]?.digest, entries[1]?.digest, 'the amd64 manifest');
  const host = await ok(berth(dst, ['pull', name]));
  assert.match(host.stdout, new RegExp(`Digest: ${idx.digest}\n`), 'the name resolves to the index');
  const arch = (ref: string): Promise<string> => berth(dst, ['image', 'inspect', '--format', '{{.Architecture}}', ref]).then((r) => r.stdout.trim());
  assert.equal(await arch(name), 'amd64');
  await ok(berth(dst, ['pull', '--platform', 'linux/arm64', name]));
  assert.equal(await arch(name), 'arm64');
  failed(await berth(dst, ['pull', '--platform', 'linux/s390x', name]), /no matching manifest for linux\/s390x in the manifest list entries/);
});

async function saved(root: string, dir: string): Promise<string> {
  const file = join(dir, 'saved.tar');
  await ok(berth(root, ['save', '-o', file, 'busybox']));
  return file;
}

test('faults: 500s and resets are retried, a truncated blob resumes, a corrupt one fails and stores nothing', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const proxy = await startFaultyProxy(reg.host);
  t.after(() => proxy.stop());
  const { src, dst } = await roots(t);
  await ok(berth(src, ['tag', 'busybox', `${reg.host}/f/bb:1`]));
  await ok(berth(src, ['push', `${reg.host}/f/bb:1`]));
  const name = `${proxy.host}/f/bb:1`;
  const blobs = /\/v2\/f\/bb\/blobs\/sha256:/;

  proxy.setFaults([{ kind: 'corrupt', path: blobs, times: 10 }]);
  const corrupt = await berth(dst, ['pull', name]);
  failed(corrupt, /Error response from daemon: .*(digest|sha256)/i);
  assert.equal((await ok(berth(dst, ['images', '-q']))).stdout, '', 'nothing recorded');
  assert.equal((await ok(berth(dst, ['system', 'check']))).stdout, 'No problems found.\n', 'nothing left half-stored');

  proxy.setFaults([
    { kind: 'status500', path: /\/manifests\//, times: 2 },
    { kind: 'delay', path: /\/manifests\//, ms: 500 },
    { kind: 'reset', path: blobs, times: 1 },
    { kind: 'truncate', path: blobs, times: 1 },
    { kind: 'redirect', path: blobs, method: 'GET', times: 10 },
  ]);
  const before = proxy.count(/\/manifests\//);
  await ok(berth(dst, ['pull', name]));
  assert.ok(proxy.count(/\/manifests\//) - before >= 3, 'the manifest was asked again after each 500');
  assert.ok(proxy.requests.some((r) => r.fault === 'truncate'), 'a blob came truncated');
  assert.ok(proxy.requests.some((r) => r.fault === 'redirect'), 'blobs were redirected to another host and fetched there');
  assert.equal((await ok(berth(dst, ['run', '--rm', name, 'echo', 'ok']))).stdout, 'ok\n');

  proxy.setFaults([{ kind: 'status500', path: /\/manifests\//, times: 100 }]);
  failed(await berth(dst, ['pull', `${proxy.host}/f/bb:2`]), /Error response from daemon: .*internal server error|unknown/i);
  assert.equal((await ok(berth(dst, ['system', 'check']))).stdout, 'No problems found.\n');
});

test('manifest lists: create from store images and a registry manifest, annotate, inspect, push, pull each platform', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const { src, dst } = await roots(t);
  const work = await tempDir();
  t.after(work.cleanup);
  const tar = join(work.dir, 'rootfs.tar');
  await makeBusyboxTar(tar);
  await ok(berth(src, ['import', '--platform', 'linux/arm64', tar, 'bb-arm:1']));
  await ok(berth(src, ['import', '--platform', 'linux/s390x', tar, `${reg.host}/src/s390x:1`]));
  await ok(berth(src, ['push', '-q', `${reg.host}/src/s390x:1`]));
  const list = `${reg.host}/multi/list:1`;

  assert.equal((await ok(berth(src, ['manifest', 'create', list, 'busybox', 'bb-arm:1']))).stdout, `Created manifest list ${list}\n`);
  failed(await berth(src, ['manifest', 'create', list, 'busybox']), /refusing to amend an existing manifest list with no --amend flag/);
  await ok(berth(src, ['manifest', 'annotate', list, 'bb-arm:1', '--variant', 'v8', '--annotation', 'team=berth']));
  await ok(berth(src, ['manifest', 'add', list, `docker://${reg.host}/src/s390x:1`]));
  type Entry = { digest: string; platform: { architecture: string; variant?: string }; annotations?: Record<string, string> };
  const local = JSON.parse((await ok(berth(src, ['manifest', 'inspect', list]))).stdout) as { manifests: Entry[] };
  assert.deepEqual(local.manifests.map((m) => [m.platform.architecture, m.platform.variant ?? '']), [['amd64', ''], ['arm64', 'v8'], ['s390x', '']]);
  assert.deepEqual(local.manifests[1]?.annotations, { team: 'berth' });

  const digest = (await ok(berth(src, ['manifest', 'push', '--purge', list]))).stdout.trim();
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal((JSON.parse((await ok(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${list}`]))).stdout) as { manifests: unknown[] }).manifests.length, 3);
  // --purge removed the local list: inspect now shows the registry's.
  const remote = JSON.parse((await ok(berth(src, ['manifest', 'inspect', list]))).stdout) as { manifests: Entry[] };
  assert.equal(remote.manifests.length, 3);
  failed(await berth(src, ['manifest', 'annotate', `${reg.host}/multi/none:1`, 'busybox', '--os', 'linux']), /No such manifest/);

  for (const [platform, arch] of [['linux/arm64', 'arm64'], ['linux/s390x', 's390x'], ['linux/amd64', 'amd64']]) {
    const pulled = await ok(berth(dst, ['pull', '--platform', platform as string, list]));
    assert.match(pulled.stdout, new RegExp(`Digest: ${digest}\n`));
    assert.equal((await ok(berth(dst, ['image', 'inspect', '--format', '{{.Architecture}}', list]))).stdout.trim(), arch);
  }
  assert.equal((await ok(berth(dst, ['run', '--rm', list, 'echo', 'from a list']))).stdout, 'from a list\n');
});

test('TLS client certificates: certs.d client.cert and client.key are presented; without them the registry refuses', async (t) => {
  const reg = await startRegistry({ tls: true, clientCerts: true, auth: 'none' });
  t.after(() => reg.stop());
  const { src, dst } = await roots(t);
  const name = `${reg.host}/mtls/bb:1`;
  await ok(berth(src, ['tag', 'busybox', name]));
  await ok(berth(src, ['push', '-q', '--cert-dir', reg.certDir as string, name]));
  await ok(berth(dst, ['pull', '-q', '--tls-verify=true', '--cert-dir', reg.certDir as string, name]));
  const bare = await tempDir();
  t.after(bare.cleanup);
  const refused = await berth(dst, ['pull', '--cert-dir', bare.dir, name]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /^Error response from daemon: Get "https:\/\/127\.0\.0\.1:\d+\/v2\/": tls: the registry refused the handshake \(alert: bad certificate\); if it wants a client certificate, put client\.cert and client\.key in/);
});

test('on a terminal, pull shows a line per layer, rewritten in place with a progress bar', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const { src, dst } = await roots(t);
  const name = `${reg.host}/tty/bb:1`;
  await ok(berth(src, ['tag', 'busybox', name]));
  await ok(berth(src, ['push', '-q', name]));
  const pty = new PtySession(berthBin, ['--root', dst, 'pull', name], { rows: 24, cols: 120 });
  await pty.waitFor(new RegExp(`Status: Downloaded newer image for ${name}`));
  assert.equal(await pty.finish(), 0);
  // The layer's line is written once, then rewritten: cursor up, clear line, new text.
  assert.match(pty.output, /[0-9a-f]{12}: Pulling fs layer\r\n/);
  const rewrite = '\u001b\\[\\d+A\\r\u001b\\[2K[0-9a-f]{12}: ';
  assert.match(pty.output, new RegExp(`${rewrite}Downloading \\[=*>? *\\] +[\\d.]+\\w?B/[\\d.]+\\w?B`));
  assert.match(pty.output, new RegExp(`${rewrite}Pull complete`));
});
