// POST /build with the docker CLI's classic builder (no BuildKit: the daemon does not offer it):
// the context tar, the classic builder's output, build args, labels, .dockerignore, -f, -q,
// --target, a failing RUN's exit code and message, and bad input over raw HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from './daemon.ts';
import { berth, tempDir } from './helpers.ts';

async function context(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

function post(d: TestDaemon, path: string, body: Buffer | string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method: 'POST', path, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A tar holding one file, written by hand (512-byte header, data padded to 512). */
function tarOf(name: string, text: string): Buffer {
  const data = Buffer.from(text);
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\x0000', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
}

test('build: the docker CLI builds with the classic builder protocol', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);

  const ctx = await context(join(dir, 'app'), {
    Dockerfile: 'FROM busybox\nRUN echo hello > /hello\nCOPY a.txt /a.txt\nENV FOO=bar\nCMD ["cat", "/hello"]\n',
    'a.txt': 'from the context\n',
  });
  const built = await d.docker(['build', '-t', 'app', ctx]);
  assert.equal(built.code, 0, built.stderr);
  const out = built.stdout;
  const steps = out.split('\n').filter((l) => l.startsWith('Step '));
  assert.deepEqual(steps, ['Step 1/5 : FROM busybox', 'Step 2/5 : RUN echo hello > /hello', 'Step 3/5 : COPY a.txt /a.txt', 'Step 4/5 : ENV FOO=bar', 'Step 5/5 : CMD ["cat", "/hello"]']);
  assert.match(out, /^ ---> [0-9a-f]{12}$/m);
  const short = /^Successfully built ([0-9a-f]{12})$/m.exec(out)?.[1];
  assert.ok(short, out);
  assert.match(out, /^Successfully tagged app:latest$/m);
  const inspect = await d.docker(['image', 'inspect', '--format', '{{.Id}} {{json .Config.Cmd}} {{json .Config.Env}}', 'app']);
  assert.equal(inspect.code, 0, inspect.stderr);
  const [id, cmd, env] = inspect.stdout.trim().split(' ');
  assert.equal(id?.slice(7, 19), short);
  assert.equal(cmd, '["cat","/hello"]');
  assert.match(env as string, /"FOO=bar"/);

  // The same build again: every layer step from the cache, the same image.
  const again = await d.docker(['build', '-t', 'app', ctx]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.split('\n').filter((l) => l === ' ---> Using cache').length, 2);
  assert.match(again.stdout, new RegExp(`^Successfully built ${short}$`, 'm'));

  // Build args, labels, several tags, another Dockerfile name; RUN output shows in the stream.
  await context(ctx, { 'Dockerfile.args': 'FROM busybox\nARG GREETING=hi\nRUN echo "greeting: $GREETING" && cat /a.txt 2>&1 || true\nCOPY a.txt /\nRUN cat /a.txt\n' });
  const args = await d.docker(['build', '-f', join(ctx, 'Dockerfile.args'), '--build-arg', 'GREETING=bonjour', '--build-arg', 'UNUSED=1', '--label', 'team=berth', '-t', 'args:1', '-t', 'args:2', ctx]);
  assert.equal(args.code, 0, args.stderr);
  assert.match(args.stdout, /^greeting: bonjour$/m);
  assert.match(args.stdout, /^from the context$/m);
  assert.match(args.stdout, /^\[Warning\] One or more build-args \[UNUSED\] were not consumed$/m);
  assert.match(args.stdout, /^Successfully tagged args:1$/m);
  assert.match(args.stdout, /^Successfully tagged args:2$/m);
  const labels = await d.docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', 'args:2']);
  assert.equal(labels.stdout.trim(), '{"team":"berth"}');

  // .dockerignore: what it names never reaches the build.
  const ignoring = await context(join(dir, 'ignoring'), {
    Dockerfile: 'FROM busybox\nCOPY . /ctx\nRUN ls -a /ctx | sort | tr "\\n" " "\n',
    '.dockerignore': 'secret.txt\nlogs/\n',
    'keep.txt': 'keep\n',
    'secret.txt': 'secret\n',
    'logs/1.log': 'log\n',
  });
  const ignored = await d.docker(['build', '--no-cache', '-t', 'ignoring', ignoring]);
  assert.equal(ignored.code, 0, ignored.stderr);
  assert.match(ignored.stdout, /^\. \.\. \.dockerignore Dockerfile keep\.txt $/m);

  // -q: only the image ID (the context sent gzip-compressed this time).
  const quiet = await d.docker(['build', '-q', '--compress', ctx]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stdout.trim(), id);

  // builder prune: the cache goes, so the next build runs its steps again.
  const pruned = await d.docker(['builder', 'prune', '-f']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, /^Total reclaimed space: /m);
  const rebuilt = await d.docker(['build', ctx]);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.doesNotMatch(rebuilt.stdout, /Using cache/);
  const filtered = await d.docker(['builder', 'prune', '-f', '--filter', 'until=24h']);
  assert.equal(filtered.code, 1);
  assert.match(filtered.stderr, /filter 'until' is not supported/);

  // --target: the build stops at that stage.
  const multi = await context(join(dir, 'multi'), { Dockerfile: 'FROM busybox AS base\nRUN echo base > /base\n\nFROM base AS final\nRUN exit 9\n' });
  const target = await d.docker(['build', '--target', 'base', '-t', 'multi', multi]);
  assert.equal(target.code, 0, target.stderr);
  assert.deepEqual(target.stdout.split('\n').filter((l) => l.startsWith('Step ')), ['Step 1/4 : FROM busybox AS base', 'Step 2/4 : RUN echo base > /base']);
});

test('build: a failing RUN, a bad Dockerfile and bad parameters are reported as the classic builder does', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);

  const failing = await context(join(dir, 'failing'), { Dockerfile: 'FROM busybox\nRUN echo before\nRUN exit 3\nRUN echo never\n' });
  const r = await d.docker(['build', '-t', 'failing', failing]);
  assert.equal(r.code, 3, 'the CLI exits with the RUN\'s code');
  assert.match(r.stdout, /^Step 3\/4 : RUN exit 3$/m);
  assert.doesNotMatch(r.stdout, /Step 4\/4/);
  assert.match(r.stderr, /^The command '\/bin\/sh -c exit 3' returned a non-zero code: 3$/m);
  assert.equal((await d.docker(['image', 'inspect', 'failing'])).code, 1, 'nothing was tagged');

  // The same over raw HTTP: the errorDetail line with the code.
  const raw = await post(d, '/v1.50/build?t=failing', tarOf('Dockerfile', 'FROM busybox\nRUN exit 3\n'));
  assert.equal(raw.status, 200);
  const last = JSON.parse(raw.text.trim().split('\n').at(-1) as string) as unknown;
  assert.deepEqual(last, { errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" }, error: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" });

  // A Dockerfile the parser refuses: an error before any step, as an HTTP error.
  const bad = await context(join(dir, 'bad'), { Dockerfile: 'FROM busybox\nNOPE something\n' });
  const parse = await d.docker(['build', bad]);
  assert.equal(parse.code, 1);
  assert.match(parse.stderr, /^Error response from daemon: dockerfile parse error on line 2 of Dockerfile: unknown instruction: NOPE/m);
  const missing = await post(d, '/v1.50/build?dockerfile=Nope', tarOf('Dockerfile', 'FROM busybox\n'));
  assert.equal(missing.status, 400);
  assert.deepEqual(JSON.parse(missing.text), { message: 'Cannot locate specified Dockerfile: Nope' });
  const escape = await post(d, '/v1.50/build?dockerfile=../etc/passwd', tarOf('Dockerfile', 'FROM busybox\n'));
  assert.equal(escape.status, 400);

  const args = await post(d, '/v1.50/build?buildargs=%7Bnot', tarOf('Dockerfile', 'FROM busybox\n'));
  assert.equal(args.status, 400);
  assert.match(JSON.parse(args.text).message, /^error reading build args: /);
  const labels = await post(d, `/v1.50/build?labels=${encodeURIComponent('{"a":1}')}`, tarOf('Dockerfile', 'FROM busybox\n'));
  assert.equal(labels.status, 400);
  assert.match(JSON.parse(labels.text).message, /^error reading labels: json: cannot unmarshal number/);
  const remote = await post(d, '/v1.50/build?remote=https://example.invalid/repo.git', '');
  assert.equal(remote.status, 400);
  const notTar = await post(d, '/v1.50/build', 'this is not a tar archive at all, just some words');
  assert.equal(notTar.status, 400, notTar.text);
  // A context whose entry climbs out: refused, nothing written outside, no unpacked context left.
  const climbing = await post(d, '/v1.50/build', Buffer.concat([tarOf('Dockerfile', 'FROM busybox\n').subarray(0, 1024), tarOf('../../../evil', 'x')]));
  assert.equal(climbing.status, 400, climbing.text);
  assert.match(JSON.parse(climbing.text).message, /escapes/);
  assert.equal(existsSync(join(d.root, 'evil')), false);
  assert.deepEqual((await readdir(join(d.root, 'tmp'))).filter((n) => n.startsWith('build-context-')), []);

  // A client that goes away while a RUN runs: the build stops, its working container goes, the daemon serves on.
  await new Promise<void>((resolve, reject) => {
    const req = request({ socketPath: d.socket, method: 'POST', path: '/v1.50/build?t=abandoned' }, (res) => {
      res.on('data', (c: Buffer) => {
        if (c.toString().includes('{"stream":"started\\n"}')) {
          req.destroy();
          resolve();
        }
      });
      res.on('end', () => reject(new Error('the build ended before the client left')));
    });
    req.on('error', () => undefined);
    req.end(tarOf('Dockerfile', 'FROM busybox\nRUN echo started && sleep 600\n'));
  });
  let left = 'not yet checked';
  for (let i = 0; i < 100 && left !== ''; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200));
    left = (await berth(d.root, ['ps', '-aq'])).stdout.trim();
  }
  assert.equal(left, '', 'the working container is gone');
  assert.equal((await d.docker(['image', 'inspect', 'abandoned'])).code, 1);
  assert.equal((await d.docker(['images', '-q', 'busybox'])).stdout.trim().length, 12);

  // A good build over raw HTTP: the stream ends with the aux ID and the classic lines.
  const good = await post(d, '/v1.50/build?t=raw:1', tarOf('Dockerfile', 'ARG BASE=busybox\nFROM $BASE\nLABEL a=b\n'));
  assert.equal(good.status, 200);
  const msgs = good.text.trim().split('\n').map((l) => JSON.parse(l) as { stream?: string; aux?: { ID: string } });
  // Steps count every instruction, the ARGs before FROM too, as written.
  assert.deepEqual(msgs.filter((m) => m.stream?.startsWith('Step ')).map((m) => m.stream), ['Step 1/3 : ARG BASE=busybox\n', 'Step 2/3 : FROM $BASE\n', 'Step 3/3 : LABEL a=b\n']);
  const aux = msgs.find((m) => m.aux)?.aux;
  assert.match(aux?.ID ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(msgs.slice(-2), [{ stream: `Successfully built ${aux?.ID.slice(7, 19)}\n` }, { stream: 'Successfully tagged raw:1\n' }]);
});

test('build: symlinks in a context never bring the daemon host\'s files into an image', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const secret = join(dir, 'host-only');
  await mkdir(secret);
  await writeFile(join(secret, 'secret.txt'), 'host secret\n');

  // A symlinked directory on the way to a COPY source.
  const viaDir = await context(join(dir, 'via-dir'), { Dockerfile: 'FROM busybox\nCOPY link/secret.txt /got\n' });
  await symlink(secret, join(viaDir, 'link'));
  const r1 = await d.docker(['build', '-t', 'leak1', viaDir]);
  assert.notEqual(r1.code, 0, r1.stdout);
  assert.match(r1.stderr, /leads out of the build context/);
  assert.equal((await d.docker(['image', 'inspect', 'leak1'])).code, 1, 'nothing was built');

  // A Dockerfile that is a symlink to a host file.
  const viaDockerfile = join(dir, 'via-dockerfile');
  await mkdir(viaDockerfile);
  await symlink(join(secret, 'secret.txt'), join(viaDockerfile, 'Dockerfile'));
  const r2 = await d.docker(['build', '-t', 'leak2', viaDockerfile]);
  assert.notEqual(r2.code, 0);
  assert.doesNotMatch(r2.stdout + r2.stderr, /host secret/);
});

test('build: options berth does not carry out are refused, not ignored', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const ctx = await context(join(dir, 'opts'), { Dockerfile: 'FROM busybox\nRUN true\n' });
  const shm = await d.docker(['build', '--shm-size', '64m', '-t', 'opts', ctx]);
  assert.notEqual(shm.code, 0);
  assert.match(shm.stderr, /the shmsize build option is not supported/);
  const hosts = await d.docker(['build', '--add-host', 'a:10.0.0.1', '-t', 'opts', ctx]);
  assert.notEqual(hosts.code, 0);
  assert.match(hosts.stderr, /the extrahosts build option is not supported/);
  assert.equal((await d.docker(['build', '-q', '-t', 'opts', ctx])).code, 0, 'the defaults the CLI sends pass');
});
