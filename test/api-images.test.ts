// The daemon's image endpoints, driven by the real docker CLI (push, pull, images, tag, rmi,
// history, prune, save/load, import, login) against a reference registry on loopback, and by raw
// HTTP for what the CLI never sends (bad input, old API versions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from './daemon.ts';
import { startRegistry } from './registry-servers.ts';
import { makeBusyboxTar, tempDir } from './helpers.ts';

interface HttpResult {
  status: number;
  headers: Record<string, unknown>;
  body: Buffer;
  text: string;
}

function http(d: TestDaemon, method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method, path, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString() });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The JSON lines of a stream answer. */
function lines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function docker(d: TestDaemon, args: string[], opts: { input?: Buffer | string } = {}): Promise<string> {
  const r = await d.docker(args, opts);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const auth = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

test('images: push, rmi and pull through a loopback registry; images, tag, rmi, history, prune, save | load', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const name = `${reg.host}/team/bb:v1`;

  await docker(d, ['tag', 'busybox', name]);
  const pushed = await docker(d, ['push', name]);
  assert.match(pushed, new RegExp(`^The push refers to repository \\[${reg.host}/team/bb\\]$`, 'm'));
  assert.match(pushed, /^[0-9a-f]{12}: Pushed$/m);
  const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed)?.[1];
  assert.ok(digest, pushed);
  assert.match(await docker(d, ['push', name]), /^[0-9a-f]{12}: Layer already exists$/m);

  // Two names on one image: rmi of one only untags; of the last one deletes.
  const id = (await docker(d, ['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).trim();
  assert.deepEqual((await docker(d, ['rmi', 'busybox'])).trim().split('\n'), ['Untagged: busybox:latest']);
  assert.deepEqual((await docker(d, ['rmi', name])).trim().split('\n'), [`Untagged: ${name}`, `Untagged: ${reg.host}/team/bb@${digest}`, `Deleted: ${id}`]);
  assert.equal((await docker(d, ['images', '-q'])).trim(), '');

  const pulled = await docker(d, ['pull', name]);
  assert.match(pulled, /^v1: Pulling from team\/bb$/m);
  assert.match(pulled, /^[0-9a-f]{12}: Pull complete$/m);
  assert.match(pulled, new RegExp(`^Digest: ${digest}$`, 'm'));
  assert.match(pulled, new RegExp(`^Status: Downloaded newer image for ${name}$`, 'm'));
  assert.equal(pulled.trim().split('\n').at(-1), name);
  assert.match(await docker(d, ['pull', name]), new RegExp(`^Status: Image is up to date for ${name}$`, 'm'));

  // docker images: the table, --format, -q and --digests.
  assert.match(await docker(d, ['images']), new RegExp(`^${reg.host}/team/bb\\s+v1\\s+${id.slice(7, 19)}\\s`, 'm'));
  assert.equal((await docker(d, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).trim(), `${reg.host}/team/bb:v1 ${id.slice(7, 19)}`);
  assert.equal((await docker(d, ['images', '-q'])).trim(), id.slice(7, 19));
  assert.equal((await docker(d, ['images', '--digests', '--format', '{{.Digest}}'])).trim(), digest);

  // tag, then the reference filter and history.
  await docker(d, ['tag', name, 'local/copy:2']);
  assert.equal((await docker(d, ['images', '--filter', 'reference=local/*', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), 'local/copy:2');
  const history = (await docker(d, ['history', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'local/copy:2'])).trim().split('\n');
  assert.equal(history.length, 1);
  assert.match(history[0] as string, new RegExp(`^${id.slice(7, 19)}\\|\\|Imported from `));

  // save | load: the image and its names come back.
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  await docker(d, ['save', '-o', join(dir, 'img.tar'), name, 'local/copy:2']);
  await docker(d, ['rmi', name, 'local/copy:2']);
  const loaded = (await docker(d, ['load', '-i', join(dir, 'img.tar')])).trim().split('\n').sort();
  assert.deepEqual(loaded, [`Loaded image: ${name}`, 'Loaded image: local/copy:2'].sort());
  assert.equal((await docker(d, ['image', 'inspect', '--format', '{{.Id}}', 'local/copy:2'])).trim(), id);
  // From stdin too, as `docker save IMAGE | docker load` does.
  assert.match(await docker(d, ['load'], { input: await readFile(join(dir, 'img.tar')) }), /^Loaded image: local\/copy:2$/m);

  // import without a name makes a dangling image; prune removes it and keeps the tagged one.
  const tar = join(dir, 'rootfs.tar');
  await makeBusyboxTar(tar);
  const dangling = (await docker(d, ['import', '-m', 'scratch import', tar])).trim();
  assert.match(dangling, /^sha256:[0-9a-f]{64}$/);
  const pruned = await docker(d, ['image', 'prune', '-f']);
  assert.match(pruned, new RegExp(`^deleted: ${dangling}$`, 'm'));
  assert.match(pruned, /^Total reclaimed space: /m);
  assert.deepEqual([...new Set((await docker(d, ['images', '-aq', '--no-trunc'])).trim().split('\n'))], [id]);
  // prune -a: every image no container uses.
  assert.match(await docker(d, ['image', 'prune', '-a', '-f']), new RegExp(`^deleted: ${id}$`, 'm'));
  assert.equal((await docker(d, ['images', '-aq'])).trim(), '');
});

test('images: the API over raw HTTP — errors as dockerd gives them, import, save, distribution, old versions', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const reg = await startRegistry();
  t.after(() => reg.stop());

  const rm = await http(d, 'DELETE', '/v1.50/images/nope');
  assert.equal(rm.status, 404);
  assert.deepEqual(JSON.parse(rm.text), { message: 'No such image: nope:latest' });
  const inspect = await http(d, 'GET', `/v1.50/images/${reg.host}/nope:1/json`);
  assert.equal(inspect.status, 404);
  assert.deepEqual(JSON.parse(inspect.text), { message: `No such image: ${reg.host}/nope:1` });

  const badTag = await http(d, 'POST', '/v1.50/images/busybox/tag?repo=Upper&tag=x');
  assert.equal(badTag.status, 400);
  assert.match(JSON.parse(badTag.text).message, /^invalid reference format: repository name \(library\/Upper\) must be lowercase$/);
  assert.equal((await http(d, 'POST', '/v1.50/images/busybox/tag?repo=ok&tag=bad%20tag')).status, 400);
  assert.equal((await http(d, 'POST', '/v1.50/images/nope/tag?repo=ok&tag=1')).status, 404);
  const tagged = await http(d, 'POST', `/v1.50/images/busybox/tag?repo=${reg.host}/team/bb&tag=v1`);
  assert.equal(tagged.status, 201);

  // A pull of what the registry does not have: a 404 before any progress, as dockerd answers.
  const missing = await http(d, 'POST', `/v1.50/images/create?fromImage=${reg.host}/nope&tag=1`);
  assert.equal(missing.status, 404);
  assert.match(JSON.parse(missing.text).message, new RegExp(`^manifest for ${reg.host}/nope:1 not found: manifest unknown`));
  const cli = await d.docker(['pull', `${reg.host}/nope:1`]);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, new RegExp(`Error response from daemon: manifest for ${reg.host}/nope:1 not found`));

  // Push: without X-Registry-Auth the body must be an AuthConfig (the API's old form).
  const noAuth = await http(d, 'POST', `/v1.50/images/${reg.host}/team/bb/push?tag=v1`, { body: 'not json' });
  assert.equal(noAuth.status, 400);
  assert.match(JSON.parse(noAuth.text).message, /^bad parameters and missing X-Registry-Auth: invalid X-Registry-Auth header: /);
  // A push of a tag that is not there: the error comes in the stream, after the first line.
  const absent = await http(d, 'POST', `/v1.50/images/${reg.host}/team/bb/push?tag=nope`, { headers: { 'X-Registry-Auth': auth({}) } });
  assert.equal(absent.status, 200);
  const absentLines = lines(absent.text);
  assert.deepEqual(absentLines.at(-1), { errorDetail: { message: `An image does not exist locally with the tag: ${reg.host}/team/bb:nope` }, error: `An image does not exist locally with the tag: ${reg.host}/team/bb:nope` });
  // The push as JSON messages: progress lines with ids, the digest line, and the aux record.
  const push = await http(d, 'POST', `/v1.50/images/${reg.host}/team/bb/push?tag=v1`, { headers: { 'X-Registry-Auth': auth({ serveraddress: reg.host }) } });
  assert.equal(push.status, 200);
  assert.equal(push.headers['content-type'], 'application/json');
  const pushLines = lines(push.text);
  assert.deepEqual(pushLines[0], { status: `The push refers to repository [${reg.host}/team/bb]` });
  assert.ok(pushLines.some((l) => l.status === 'Pushed' && typeof l.id === 'string'), push.text);
  const aux = pushLines.find((l) => l.aux)?.aux as { Tag: string; Digest: string; Size: number };
  assert.equal(aux.Tag, 'v1');
  assert.match(aux.Digest, /^sha256:[0-9a-f]{64}$/);

  // The distribution endpoint: the registry's descriptor and the image's platform.
  const dist = await http(d, 'GET', `/v1.50/distribution/${reg.host}/team/bb:v1/json`);
  assert.equal(dist.status, 200, dist.text);
  const distBody = JSON.parse(dist.text) as { Descriptor: { digest: string; size: number; mediaType: string }; Platforms: { os: string; architecture: string }[] };
  assert.equal(distBody.Descriptor.digest, aux.Digest);
  assert.equal(distBody.Descriptor.size, aux.Size);
  assert.deepEqual(distBody.Platforms.map((p) => p.os), ['linux']);
  assert.equal((await http(d, 'GET', `/v1.50/distribution/${reg.host}/team/nope:1/json`)).status, 404);

  // Pull over the API: Docker's JSON messages, progress details on the layer lines.
  await http(d, 'DELETE', `/v1.50/images/${reg.host}/team/bb:v1`);
  await http(d, 'DELETE', '/v1.50/images/busybox');
  const pull = await http(d, 'POST', `/v1.50/images/create?fromImage=${reg.host}/team/bb&tag=v1`, { headers: { 'X-Registry-Auth': 'not base64 json!' } });
  assert.equal(pull.status, 200, pull.text); // dockerd ignores a malformed X-Registry-Auth on pull
  const pullLines = lines(pull.text);
  assert.deepEqual(pullLines[0], { status: 'Pulling from team/bb', id: 'v1' });
  const downloading = pullLines.find((l) => l.status === 'Downloading');
  assert.ok(downloading, pull.text);
  assert.equal(typeof (downloading.progressDetail as { total: number }).total, 'number');
  assert.match(downloading.progress as string, /^\[=*> *\] \S+\/\S+$/);
  assert.deepEqual(pullLines.at(-1), { status: `Status: Downloaded newer image for ${reg.host}/team/bb:v1` });

  // Import from the request body, with repo, tag, changes and message.
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  await makeBusyboxTar(join(dir, 'rootfs.tar'));
  const imported = await http(d, 'POST', '/v1.50/images/create?fromSrc=-&repo=imported&tag=2&message=from%20a%20test&changes=CMD%20%5B%22echo%22%2C%22hi%22%5D&changes=ENV%20A%3D1', { body: await readFile(join(dir, 'rootfs.tar')), headers: { 'Content-Type': 'application/x-tar' } });
  assert.equal(imported.status, 200);
  const importedId = lines(imported.text)[0]?.status as string;
  assert.match(importedId, /^sha256:[0-9a-f]{64}$/);
  const importedInspect = JSON.parse((await http(d, 'GET', '/v1.50/images/imported:2/json')).text) as { Id: string; Comment: string; Config: { Cmd: string[]; Env: string[] } };
  assert.equal(importedInspect.Id, importedId);
  assert.equal(importedInspect.Comment, 'from a test');
  assert.deepEqual(importedInspect.Config.Cmd, ['echo', 'hi']);
  assert.deepEqual(importedInspect.Config.Env, ['A=1']);
  assert.equal((await http(d, 'POST', '/v1.50/images/create')).status, 400);

  // Import from a URL (a server on loopback); a URL that answers 404 is a 400 before any stream.
  const tarBytes = await readFile(join(dir, 'rootfs.tar'));
  const server = createServer((q, s) => (q.url === '/rootfs.tar' ? s.end(tarBytes) : s.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fromUrl = await http(d, 'POST', `/v1.50/images/create?fromSrc=${encodeURIComponent(`${base}/rootfs.tar`)}&repo=fromurl`);
  assert.equal(fromUrl.status, 200, fromUrl.text);
  assert.equal((JSON.parse((await http(d, 'GET', '/v1.50/images/fromurl/json')).text) as { Comment: string }).Comment, `Imported from ${base}/rootfs.tar`);
  const urlMissing = await http(d, 'POST', `/v1.50/images/create?fromSrc=${encodeURIComponent(`${base}/nope.tar`)}&repo=fromurl`);
  assert.equal(urlMissing.status, 400);
  assert.match(JSON.parse(urlMissing.text).message, /404/);
  await http(d, 'DELETE', '/v1.50/images/fromurl');

  // push -a and pull -a: every tag of the repository (the imported layer is compressed by the first push).
  await docker(d, ['tag', 'imported:2', `${reg.host}/multi:a`]);
  await docker(d, ['tag', 'imported:2', `${reg.host}/multi:b`]);
  const pushAll = await docker(d, ['push', '-a', `${reg.host}/multi`]);
  assert.deepEqual(pushAll.split('\n').filter((l) => / digest: /.test(l)).map((l) => l.split(':')[0]).sort(), ['a', 'b']);
  await docker(d, ['rmi', `${reg.host}/multi:a`, `${reg.host}/multi:b`]);
  const pullAll = await docker(d, ['pull', '-a', `${reg.host}/multi`]);
  assert.match(pullAll, new RegExp(`^Status: .* for ${reg.host}/multi:a$`, 'm'));
  assert.match(pullAll, new RegExp(`^Status: .* for ${reg.host}/multi:b$`, 'm'));
  await docker(d, ['rmi', `${reg.host}/multi:a`, `${reg.host}/multi:b`]);

  // Save by names: a docker-archive tar.
  const saved = await http(d, 'GET', '/v1.50/images/get?names=imported:2');
  assert.equal(saved.status, 200);
  assert.equal(saved.headers['content-type'], 'application/x-tar');
  assert.ok(saved.body.includes(Buffer.from('manifest.json')), 'the archive has a manifest.json');
  assert.equal((await http(d, 'GET', '/v1.50/images/nope/get')).status, 404);
  // Load: a bad archive is reported in the stream, as dockerd does.
  const badLoad = await http(d, 'POST', '/v1.50/images/load?quiet=1', { body: 'not a tar' });
  assert.equal(badLoad.status, 200);
  assert.ok(lines(badLoad.text).at(-1)?.error, badLoad.text);
  const load = await http(d, 'POST', '/v1.50/images/load?quiet=1', { body: saved.body });
  assert.deepEqual(lines(load.text), [{ stream: 'Loaded image: imported:2\n' }]);

  // Versions: VirtualSize until 1.43; shared-size on request.
  const v141 = JSON.parse((await http(d, 'GET', '/v1.41/images/json?shared-size=1')).text) as Record<string, unknown>[];
  assert.equal(v141.length, 2);
  for (const i of v141) {
    assert.equal(i.VirtualSize, i.Size);
    assert.equal(typeof i.SharedSize, 'number');
    assert.notEqual(i.SharedSize, -1);
  }
  const v150 = JSON.parse((await http(d, 'GET', '/v1.50/images/json')).text) as Record<string, unknown>[];
  assert.ok(v150.every((i) => !('VirtualSize' in i) && i.SharedSize === -1));
  // An untagged image: no names from 1.43 on, `<none>` before.
  const untagged = lines((await http(d, 'POST', '/v1.50/images/create?fromSrc=-', { body: await readFile(join(dir, 'rootfs.tar')) })).text)[0]?.status;
  const danglingFilter = `filters=${encodeURIComponent('{"dangling":["true"]}')}`;
  const dangling = JSON.parse((await http(d, 'GET', `/v1.50/images/json?${danglingFilter}`)).text) as { Id: string; RepoTags: string[]; RepoDigests: string[] }[];
  assert.deepEqual(dangling.map((i) => [i.Id, i.RepoTags, i.RepoDigests]), [[untagged, [], []]]);
  const danglingOld = JSON.parse((await http(d, 'GET', `/v1.42/images/json?${danglingFilter}`)).text) as { RepoTags: string[]; RepoDigests: string[] }[];
  assert.deepEqual(danglingOld.map((i) => [i.RepoTags, i.RepoDigests]), [[['<none>:<none>'], ['<none>@<none>']]]);
  assert.equal((await http(d, 'DELETE', `/v1.50/images/${untagged as string}`)).status, 200);
  assert.equal((await http(d, 'GET', `/v1.50/images/json?filters=${encodeURIComponent('{"nope":["x"]}')}`)).status, 400);

  // Search: berth has no index, and says so.
  const search = await http(d, 'GET', '/v1.50/images/search?term=busybox');
  assert.equal(search.status, 503);
  assert.match(JSON.parse(search.text).message, /no registry index to search/);
  assert.equal((await http(d, 'GET', '/v1.50/images/search?term=busybox&limit=0')).status, 400);
  const cliSearch = await d.docker(['search', 'busybox']);
  assert.equal(cliSearch.code, 1);
  assert.match(cliSearch.stderr, /Error response from daemon: .*no registry index to search/);
});

test('images: docker login, push and pull with credentials against an htpasswd registry', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const reg = await startRegistry({ auth: 'htpasswd' });
  t.after(() => reg.stop());
  const alice = reg.users[0] as { username: string; password: string };
  const name = `${reg.host}/private/bb:1`;
  await docker(d, ['tag', 'busybox', name]);

  // Without a login the registry refuses the push.
  const refused = await d.docker(['push', name]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr + refused.stdout, /unauthorized|authentication required/);

  const wrong = await d.docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'wrong' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Error response from daemon: .*unauthorized/);
  const login = await d.docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: alice.password });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /^Login Succeeded$/m);

  // The CLI sends the stored credentials as X-Registry-Auth.
  assert.match(await docker(d, ['push', name]), /^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
  await docker(d, ['rmi', name]);
  assert.match(await docker(d, ['pull', name]), new RegExp(`Status: Downloaded newer image for ${name}`));

  // The daemon keeps no credentials of its own: after logout, the pull is anonymous and refused.
  await docker(d, ['logout', reg.host]);
  await docker(d, ['rmi', name]);
  const anonymous = await d.docker(['pull', name]);
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /Error response from daemon: .*unauthorized/);
  const raw = await http(d, 'POST', `/v1.50/images/create?fromImage=${reg.host}/private/bb&tag=1`, { headers: { 'X-Registry-Auth': auth({ username: 'alice', password: 'wrong' }) } });
  assert.equal(raw.status, 500);
  assert.match(JSON.parse(raw.text).message, /unauthorized/);

  // POST /auth over raw HTTP: wrong types are a 400; good credentials the Docker answer.
  const badBody = await http(d, 'POST', '/v1.50/auth', { body: '{"username": 3}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(badBody.status, 400);
  assert.match(JSON.parse(badBody.text).message, /cannot unmarshal number into Go struct field AuthConfig\.username of type string/);
  const ok = await http(d, 'POST', '/v1.50/auth', { body: JSON.stringify({ username: 'alice', password: alice.password, serveraddress: reg.host }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(JSON.parse(ok.text), { Status: 'Login Succeeded' });
  const denied = await http(d, 'POST', '/v1.50/auth', { body: JSON.stringify({ username: 'alice', password: 'nope', serveraddress: reg.host }) });
  assert.equal(denied.status, 401);
  // With credentials in X-Registry-Auth, distribution inspect works; without, the registry refuses.
  const dist = await http(d, 'GET', `/v1.50/distribution/${name}/json`, { headers: { 'X-Registry-Auth': auth({ username: 'alice', password: alice.password, serveraddress: reg.host }) } });
  assert.equal(dist.status, 200, dist.text);
  assert.equal((await http(d, 'GET', `/v1.50/distribution/${name}/json`)).status, 401);
});

test('images: dockerode lists, pulls with progress, tags, pushes, builds and removes', async (t) => {
  const { default: Docker } = await import('dockerode');
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const docker = new Docker({ socketPath: d.socket });
  const follow = (stream: NodeJS.ReadableStream): Promise<{ status?: string; stream?: string; error?: string; aux?: { ID?: string } }[]> =>
    new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { status?: string }[]) => (err ? reject(err) : resolve(out))));

  const listed = await docker.listImages();
  assert.deepEqual(listed.map((i) => i.RepoTags), [['busybox:latest']]);
  await docker.getImage('busybox').tag({ repo: `${reg.host}/dockerode/bb`, tag: 'v1' });
  const pushed = await follow(await docker.getImage(`${reg.host}/dockerode/bb`).push({ tag: 'v1', authconfig: { serveraddress: reg.host } }));
  assert.ok(pushed.some((m) => /^v1: digest: sha256:/.test(m.status ?? '')), JSON.stringify(pushed));

  await docker.getImage(`${reg.host}/dockerode/bb:v1`).remove();
  await docker.getImage('busybox').remove();
  const pulled = await follow(await docker.pull(`${reg.host}/dockerode/bb:v1`));
  assert.equal(pulled.at(-1)?.status, `Status: Downloaded newer image for ${reg.host}/dockerode/bb:v1`);
  assert.deepEqual((await docker.getImage(`${reg.host}/dockerode/bb:v1`).inspect()).RepoTags, [`${reg.host}/dockerode/bb:v1`]);

  await writeFile(join(dir, 'Dockerfile'), `FROM ${reg.host}/dockerode/bb:v1\nARG WHO\nRUN echo "built by $WHO"\n`);
  const built = await follow(await docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: 'dockerode:built', buildargs: { WHO: 'dockerode' }, pull: true }));
  assert.ok(built.some((m) => m.stream === 'built by dockerode\n'), JSON.stringify(built));
  const id = built.find((m) => m.aux?.ID)?.aux?.ID;
  assert.equal((await docker.getImage('dockerode:built').inspect()).Id, id);

  // history, save and load, prune.
  const history = await docker.getImage('dockerode:built').history();
  assert.equal(history[0]?.Id, id);
  assert.deepEqual(history[0]?.Tags, ['dockerode:built']);
  const archive = await docker.getImage('dockerode:built').get();
  const chunks: Buffer[] = [];
  for await (const c of archive) chunks.push(c as Buffer);
  await docker.getImage('dockerode:built').remove();
  const loaded = await follow(await docker.loadImage(Readable.from([Buffer.concat(chunks)]), { quiet: true }));
  assert.deepEqual(loaded.map((m) => m.stream), ['Loaded image: dockerode:built\n']);
  const prunedAll = await docker.pruneImages({ filters: { dangling: ['false'] } });
  assert.ok((prunedAll.ImagesDeleted ?? []).some((r) => r.Deleted === id), JSON.stringify(prunedAll));

  await assert.rejects(docker.getImage('nope').inspect(), (err: { statusCode?: number; json?: { message?: string } }) => err.statusCode === 404 && err.json?.message === 'No such image: nope:latest');
  // A pull that fails before any progress is an HTTP error that dockerode rejects with.
  await assert.rejects(docker.pull(`${reg.host}/dockerode/nope:1`), (err: { statusCode?: number }) => err.statusCode === 404);
});

test('a load waiting for its input does not hold up another load or an import of the same daemon', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  await docker(d, ['tag', 'busybox', 'slow:1']);
  await docker(d, ['tag', 'busybox', 'quick:1']);
  await docker(d, ['save', '-o', join(dir, 'slow.tar'), 'slow:1']);
  await docker(d, ['save', '-o', join(dir, 'quick.tar'), 'quick:1']);
  await docker(d, ['rmi', 'slow:1', 'quick:1']);
  const slow = await readFile(join(dir, 'slow.tar'));
  // The first load gets half its archive, then waits (as a `docker load` fed by a slow pipe does).
  const first = request({ socketPath: d.socket, method: 'POST', path: '/images/load?quiet=1', headers: { 'Content-Type': 'application/x-tar' } });
  const firstAnswer = new Promise<HttpResult>((resolve, reject) => {
    first.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), text: Buffer.concat(chunks).toString() }));
    });
    first.on('error', reject);
  });
  first.write(slow.subarray(0, slow.length >> 1));
  await new Promise((r) => setTimeout(r, 200));
  // Meanwhile another load, and an import, finish.
  let bothDone = false;
  const others = Promise.all([
    docker(d, ['load', '-i', join(dir, 'quick.tar')]),
    docker(d, ['import', join(dir, 'quick.tar'), 'imported:1']),
  ]).then((r) => {
    bothDone = true;
    return r;
  });
  const guard = new Promise((r) => setTimeout(r, 60_000).unref());
  await Promise.race([others, guard]);
  assert.ok(bothDone, 'the other writes waited for the stalled load');
  assert.match((await others)[0], /Loaded image: quick:1/);
  // Then the first load gets the rest of its input, and finishes too.
  first.end(slow.subarray(slow.length >> 1));
  const answer = await firstAnswer;
  assert.equal(answer.status, 200);
  assert.match(answer.text, /Loaded image: slow:1/);
  const names = (await docker(d, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n');
  for (const n of ['slow:1', 'quick:1', 'imported:1']) assert.ok(names.includes(n), `${n} in ${names.join(' ')}`);
});
