// `berth build` end to end on the real runtime: a corpus of Dockerfiles, each built from a context
// of its own over the busybox test image, and the image checked (config, files, what it runs)
// against Docker's rules; the cache, reproducibility across roots, failures and their messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { berth, berthBin, ok, rootWithBusybox, run, tempDir, type RunResult } from './helpers.ts';
import { PtySession } from './pty.ts';
import { startBerthRegistry } from './registry-servers.ts';

/** A context directory with these files (paths relative to it). */
async function context(dir: string, files: Record<string, string>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

interface Fixture {
  root: string;
  work: string;
  build(files: Record<string, string>, args?: string[], opts?: { input?: string; sub?: string }): Promise<RunResult>;
  config(image: string): Promise<Record<string, unknown>>;
  run(image: string, ...cmd: string[]): Promise<string>;
}

async function fixture(t: { after(fn: () => Promise<void>): void }): Promise<Fixture> {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  let n = 0;
  return {
    root,
    work: work.dir,
    async build(files, args = [], opts = {}) {
      const dir = await context(join(work.dir, opts.sub ?? `ctx${n++}`), files);
      return berth(root, ['build', '--progress', 'plain', ...args, dir], { input: opts.input });
    },
    async config(image) {
      return JSON.parse((await ok(berth(root, ['image', 'inspect', '--format', '{{json .Config}}', image]))).stdout) as Record<string, unknown>;
    },
    async run(image, ...cmd) {
      return (await ok(berth(root, ['run', '--rm', image, ...cmd]))).stdout;
    },
  };
}

const idOf = (r: RunResult): string => (/writing image (sha256:[0-9a-f]{64})/.exec(r.stderr)?.[1] ?? assert.fail(`no image ID in:\n${r.stderr}`));

test('build: a single stage — ENV, WORKDIR, COPY, RUN, LABEL, USER, CMD — gives the image Docker would', async (t) => {
  const f = await fixture(t);
  const r = await ok(f.build({
    'Dockerfile': [
      'FROM busybox',
      'ENV GREETING="hello world" EMPTY=',
      'WORKDIR /app',
      'COPY hello.txt .',
      'COPY sub/ ./sub/',
      'RUN echo "$GREETING from $(pwd)" > out.txt',
      'LABEL org.example.name="demo app" version=1',
      'EXPOSE 8080 53/udp',
      'VOLUME /data',
      'STOPSIGNAL SIGINT',
      'USER nobody',
      'CMD ["cat", "/app/out.txt"]',
      '',
    ].join('\n'),
    'hello.txt': 'hello\n',
    'sub/a.txt': 'a\n',
  }, ['-t', 'demo:1']));
  assert.match(r.stderr, /#\d+ \[2\/4\] COPY hello.txt \.\n/);
  assert.match(r.stderr, /naming to docker\.io\/library\/demo:1/);
  assert.equal(await f.run('demo:1'), 'hello world from /app\n');
  assert.equal(await f.run('demo:1', 'id', '-u'), '65534\n');
  assert.equal(await f.run('demo:1', 'cat', '/app/hello.txt', '/app/sub/a.txt'), 'hello\na\n');
  assert.equal(await f.run('demo:1', 'stat', '-c', '%u:%g %a', '/app/hello.txt'), '0:0 644\n', 'context files are owned by root');
  const c = await f.config('demo:1');
  assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hello world', 'EMPTY=']);
  assert.equal(c.WorkingDir, '/app');
  assert.equal(c.User, 'nobody');
  assert.deepEqual(c.Cmd, ['cat', '/app/out.txt']);
  assert.deepEqual(c.Labels, { 'org.example.name': 'demo app', version: '1' });
  assert.deepEqual(c.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  // Layers for COPY, COPY, RUN only; the rest is history without layers.
  const history = JSON.parse((await ok(berth(f.root, ['history', '--format', '{{json .}}', '--no-trunc', 'demo:1']))).stdout.trim().split('\n').map((l) => l).join(',').replace(/^/, '[').replace(/$/, ']')) as { CreatedBy: string }[];
  assert.ok(history.some((h) => h.CreatedBy === 'WORKDIR /app'), JSON.stringify(history));
});

test('build: the cache reruns only what a changed file feeds, and the same inputs give the same digest in another root', async (t) => {
  const f = await fixture(t);
  const files = {
    'Dockerfile': 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy-a\nCOPY b.txt /b.txt\nRUN cat /a.txt /b.txt > /both\n',
    'a.txt': 'A\n',
    'b.txt': 'B\n',
  };
  const first = await ok(f.build(files, ['-t', 'cached'], { sub: 'ctx' }));
  assert.doesNotMatch(first.stderr, /CACHED/);
  const id = idOf(first);

  // Nothing changed (a file touched, same bytes): every step cached, the same image.
  await utimes(join(f.work, 'ctx', 'a.txt'), new Date(), new Date(Date.now() + 5000));
  const again = await ok(f.build(files, ['-t', 'cached'], { sub: 'ctx' }));
  assert.equal(again.stderr.match(/CACHED/g)?.length, 4, again.stderr);
  assert.equal(idOf(again), id);

  // b.txt changed: the steps before its COPY stay cached, the rest runs again.
  const changed = await ok(f.build({ ...files, 'b.txt': 'B2\n' }, ['-t', 'cached'], { sub: 'ctx' }));
  assert.equal(changed.stderr.match(/CACHED/g)?.length, 2, changed.stderr);
  assert.notEqual(idOf(changed), id);
  assert.equal(await f.run('cached', 'cat', '/both'), 'A\nB2\n');

  // --no-cache runs everything, and gives the same image back.
  const fresh = await ok(f.build({ ...files, 'b.txt': 'B2\n' }, ['--no-cache'], { sub: 'ctx' }));
  assert.doesNotMatch(fresh.stderr, /CACHED/);
  assert.equal(idOf(fresh), idOf(changed));

  // Reproducible: another root with the same base image, built from scratch, gives the same digest.
  const other = await tempDir();
  t.after(other.cleanup);
  const otherRoot = join(other.dir, 'root');
  await ok(berth(f.root, ['save', '-o', join(other.dir, 'base.tar'), 'busybox']));
  await ok(berth(otherRoot, ['load', '-i', join(other.dir, 'base.tar')]));
  const there = await ok(berth(otherRoot, ['build', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', join(f.work, 'ctx')]));
  const here = await ok(f.build({ ...files, 'b.txt': 'B2\n' }, ['--build-arg', 'SOURCE_DATE_EPOCH=1700000000']));
  assert.equal(idOf(there), idOf(here));
  assert.equal((await f.config(idOf(here))).Image ?? '', '');
  const created = (await ok(berth(f.root, ['image', 'inspect', '--format', '{{.Created}}', idOf(here)]))).stdout.trim();
  assert.equal(created, '2023-11-14T22:13:20Z');
  assert.equal(await f.run(idOf(here), 'stat', '-c', '%Y', '/both'), '1700000000\n', 'mtimes clamped to SOURCE_DATE_EPOCH');
});

test('build: multi-stage — COPY --from a stage, --target, stages the target does not need are skipped', async (t) => {
  const f = await fixture(t);
  const files = {
    'Dockerfile': [
      'ARG GREETING=hi',
      'FROM busybox AS builder',
      'ARG GREETING',
      'RUN mkdir -p /out && echo "$GREETING built" > /out/result && chown -R 65534:65534 /out',
      'FROM busybox AS broken',
      'RUN exit 7',
      'FROM busybox',
      'COPY --from=builder /out/ /opt/',
      'COPY --from=0 --chown=0:0 /out/result /root/result',
      'CMD ["cat", "/opt/result"]',
      '',
    ].join('\n'),
  };
  const r = await ok(f.build(files, ['-t', 'multi', '--build-arg', 'GREETING=hello']));
  assert.doesNotMatch(r.stderr, /exit 7/, 'the broken stage is not needed, so it never runs');
  assert.match(r.stderr, /\[builder 2\/2\] RUN/);
  assert.equal(await f.run('multi'), 'hello built\n');
  assert.equal(await f.run('multi', 'stat', '-c', '%u %U', '/opt/result', '/root/result'), '65534 nobody\n0 root\n', '--from keeps owners unless --chown');
  // The build arg is not given this time: the global default applies, so the step runs again.
  await ok(f.build(files, ['-t', 'stage-only', '--target', 'builder']));
  assert.equal(await f.run('stage-only', 'cat', '/out/result'), 'hi built\n');
  const missing = await f.build(files, ['--target', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ERROR: failed to solve: failed to reach build target nope in Dockerfile/);
});

test('build: ARG and ENV scoping, ENTRYPOINT and CMD, SHELL, heredocs, --chown/--chmod, HEALTHCHECK, ONBUILD', async (t) => {
  const f = await fixture(t);
  await ok(f.build({
    'Dockerfile': [
      'FROM busybox',
      'CMD ["base-cmd"]',
      'ONBUILD RUN echo triggered > /onbuild',
      '',
    ].join('\n'),
  }, ['-t', 'parent']));
  const r = await ok(f.build({
    'Dockerfile': [
      'FROM parent',
      'ARG WHO=arg',
      'ENV FROM_ENV=env',
      'ARG FROM_ENV=arg-loses',
      'RUN echo "$WHO $FROM_ENV" > /vars',
      'ENTRYPOINT ["echo"]',
      'SHELL ["/bin/sh", "-e", "-c"]',
      'RUN <<EOF',
      'echo heredoc > /heredoc',
      'echo "$WHO" >> /heredoc',
      'EOF',
      'COPY <<-"EOT" /notes.txt',
      '\tliteral $WHO',
      '\tEOT',
      'COPY --chown=nobody:nogroup --chmod=750 script.sh /usr/bin/',
      'HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q localhost || exit 1',
      'WORKDIR /created/by/workdir',
      '',
    ].join('\n'),
    'script.sh': '#!/bin/sh\necho script\n',
  }, ['-t', 'child', '--build-arg', 'WHO=user', '--build-arg', 'UNUSED=1']));
  assert.match(r.stderr, /WARNING: One or more build-args \[UNUSED\] were not consumed/);
  const c = await f.config('child');
  assert.deepEqual(c.Entrypoint, ['echo']);
  assert.equal(c.Cmd, null, 'an ENTRYPOINT resets the CMD inherited from the base');
  assert.equal(c.OnBuild ?? null, null, 'triggers do not pass on to the child');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost || exit 1'], Interval: 30e9, Timeout: 5e9, Retries: 3 });
  assert.deepEqual(c.Shell, ['/bin/sh', '-e', '-c']);
  assert.ok(!(c.Env as string[]).some((e) => e.startsWith('WHO=')), 'build args are not kept in the image');
  const show = async (...cmd: string[]): Promise<string> => (await ok(berth(f.root, ['run', '--rm', '--entrypoint', '', 'child', ...cmd]))).stdout;
  assert.equal(await show('cat', '/vars'), 'user env\n');
  assert.equal(await show('cat', '/onbuild'), 'triggered\n');
  assert.equal(await show('cat', '/heredoc'), 'heredoc\nuser\n');
  assert.equal(await show('cat', '/notes.txt'), 'literal $WHO\n');
  assert.equal(await show('stat', '-c', '%U:%G %a', '/usr/bin/script.sh'), 'nobody:nogroup 750\n');
  assert.equal(await show('sh', '-c', 'test -d /created/by/workdir && pwd'), '/created/by/workdir\n');
  assert.equal(await f.run('child', 'arguments'), 'arguments\n');
});

test('build: .dockerignore with exceptions, globs, ADD of a local archive, -f - and --iidfile and -q', async (t) => {
  const f = await fixture(t);
  const tarDir = await tempDir();
  t.after(tarDir.cleanup);
  await context(join(tarDir.dir, 'tree'), { 'inside/file.txt': 'from the archive\n' });
  const archive = join(f.work, 'archive.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', join(tarDir.dir, 'tree'), '.']);
  const files = {
    '.dockerignore': '# comments are ignored\nlogs\n**/*.tmp\n!keep.tmp\n',
    'app/main.txt': 'main\n',
    'app/scratch.tmp': 'ignored\n',
    'keep.tmp': 'kept\n',
    'logs/today.log': 'ignored\n',
    'one.cfg': '1\n',
    'two.cfg': '2\n',
  };
  const dir = await context(join(f.work, 'ignore-ctx'), files);
  await writeFile(join(dir, 'archive.tar.gz'), await readFile(archive));
  const dockerfile = 'FROM busybox\nCOPY . /ctx/\nCOPY *.cfg /cfg/\nADD archive.tar.gz /unpacked/\nRUN find /ctx /cfg /unpacked | sort\n';
  const iid = join(f.work, 'iid');
  const r = await ok(berth(f.root, ['build', '-q', '-f', '-', '--iidfile', iid, '-t', 'ignored', dir], { input: dockerfile }));
  const id = r.stdout.trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(r.stderr, '', '-q prints nothing but the ID');
  assert.equal(await readFile(iid, 'utf8'), id);
  const listing = await f.run('ignored', 'find', '/ctx', '/cfg', '/unpacked', '-type', 'f');
  assert.deepEqual(listing.trim().split('\n').sort(), [
    '/cfg/one.cfg', '/cfg/two.cfg', '/ctx/.dockerignore', '/ctx/app/main.txt', '/ctx/archive.tar.gz', '/ctx/keep.tmp', '/ctx/one.cfg', '/ctx/two.cfg', '/unpacked/inside/file.txt',
  ]);
  assert.equal(await f.run('ignored', 'cat', '/unpacked/inside/file.txt'), 'from the archive\n');

  // --output: the image's files in a directory, as a tar on stdout, as an OCI archive.
  const out = join(f.work, 'exported');
  await ok(berth(f.root, ['build', '-q', '-f', '-', '-o', `type=local,dest=${out}`, dir], { input: dockerfile }));
  assert.equal(await readFile(join(out, 'unpacked', 'inside', 'file.txt'), 'utf8'), 'from the archive\n');
  const tarFile = join(f.work, 'exported.tar');
  await ok(run('sh', ['-c', `"$0" --root "$1" build -q -f - -o - "$2" > "$3"`, berthBin, f.root, dir, tarFile], { input: dockerfile }));
  assert.match(execFileSync('tar', ['-tf', tarFile]).toString(), /^cfg\/one\.cfg$/m);
  const ociFile = join(f.work, 'image.oci.tar');
  await ok(berth(f.root, ['build', '-q', '-f', '-', '--output', `type=oci,dest=${ociFile}`, dir], { input: dockerfile }));
  assert.match(execFileSync('tar', ['-tf', ociFile]).toString(), /^index\.json$/m);
});

test('build: failures — a failing RUN, a syntax error, a missing file — say what and where, exit 1, leave no tag and no container', async (t) => {
  const f = await fixture(t);
  const failing = await f.build({ 'Dockerfile': 'FROM busybox\nRUN echo before\nRUN echo oops >&2; exit 3\n' }, ['-t', 'never']);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /#\d+ \d+\.\d{3} oops\n/);
  assert.match(failing.stderr, /ERROR: failed to solve: Dockerfile:3: RUN echo oops >&2; exit 3: process "\/bin\/sh -c echo oops >&2; exit 3" did not complete successfully: exit code: 3\n$/);
  const images = await ok(berth(f.root, ['images', '--format', '{{.Repository}}']));
  assert.doesNotMatch(images.stdout, /never/);
  assert.equal((await ok(berth(f.root, ['ps', '-aq']))).stdout, '', 'no build container is left');

  const syntax = await f.build({ 'Dockerfile': 'FROM busybox\nRUNN echo typo\n' });
  assert.equal(syntax.code, 1);
  assert.match(syntax.stderr, /ERROR: failed to solve: .*line 2.*unknown instruction: RUNN/i);

  const missing = await f.build({ 'Dockerfile': 'FROM busybox\nCOPY nothere.txt /\n' });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ERROR: failed to solve: Dockerfile:2: COPY nothere\.txt \/: failed to compute cache key: "\/nothere\.txt": not found/);

  const several = await f.build({ 'Dockerfile': 'FROM busybox\nCOPY a b /dest\n', 'a': '', 'b': '' });
  assert.equal(several.code, 1);
  assert.match(several.stderr, /When using COPY with more than one source file, the destination must be a directory and end with a \//);

  const noBase = await f.build({ 'Dockerfile': 'FROM 127.0.0.1:1/nothing/here\n' });
  assert.equal(noBase.code, 1);
  assert.match(noBase.stderr, /ERROR: failed to solve: /);
});

test('build: RUN --mount (cache, bind from the context and from a stage, tmpfs, secret), COPY --exclude and --parents', async (t) => {
  const f = await fixture(t);
  const secretFile = join(f.work, 'token.txt');
  await writeFile(secretFile, 'top-secret-value\n');
  const files = {
    'Dockerfile': [
      'FROM busybox AS tools',
      'RUN echo from-stage > /tool.txt',
      'FROM busybox',
      'RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /count',
      'RUN --mount=type=bind,source=data,target=/data cat /data/x.txt > /from-bind',
      'RUN --mount=type=bind,from=tools,source=/tool.txt,target=/mnt/tool.txt cat /mnt/tool.txt > /from-stage',
      'RUN --mount=type=tmpfs,target=/scratch touch /scratch/f && ls /scratch > /tmpfs-list',
      'RUN --mount=type=secret,id=token,required grep -q top-secret /run/secrets/token && stat -c %a /run/secrets/token > /secret-mode',
      'COPY --exclude=*.log logs/ /kept/',
      'COPY --parents a/b/c.txt /p/',
      '',
    ].join('\n'),
    'data/x.txt': 'bound\n',
    'logs/app.log': 'no\n',
    'logs/keep.txt': 'yes\n',
    'a/b/c.txt': 'deep\n',
  };
  await ok(f.build(files, ['-t', 'mounts', '--secret', `id=token,src=${secretFile}`], { sub: 'm' }));
  const show = async (...cmd: string[]): Promise<string> => f.run('mounts', ...cmd);
  assert.equal(await show('cat', '/count'), '1\n');
  assert.equal(await show('cat', '/from-bind', '/from-stage', '/tmpfs-list', '/secret-mode'), 'bound\nfrom-stage\nf\n400\n');
  assert.equal(await show('sh', '-c', 'for p in /cache /data /mnt /scratch /run/secrets; do test -e $p && echo "$p left in the image"; done; true'), '');
  assert.equal(await show('find', '/kept', '/p', '-type', 'f'), '/kept/keep.txt\n/p/a/b/c.txt\n');
  // The secret is in no layer and no history.
  const saved = join(f.work, 'mounts.tar');
  await ok(berth(f.root, ['save', '-o', saved, 'mounts']));
  assert.ok(!(await readFile(saved)).includes('top-secret-value'), 'the secret reached the image');
  // The cache mount outlives the build: a rebuild without the step cache appends to it.
  await ok(f.build(files, ['-t', 'mounts', '--no-cache', '--secret', `id=token,src=${secretFile}`], { sub: 'm' }));
  assert.equal(await show('cat', '/count'), '2\n');
  const noSecret = await f.build(files, [], { sub: 'm' });
  assert.equal(noSecret.code, 1);
  assert.match(noSecret.stderr, /secret token not found: give it with --secret id=token,src=FILE/);
  await ok(berth(f.root, ['builder', 'prune', '-f']));
  await ok(f.build(files, ['-t', 'mounts', '--secret', `id=token,src=${secretFile}`], { sub: 'm' }));
  assert.equal(await show('cat', '/count'), '1\n', 'builder prune empties the cache mounts');
});

test('build: --cache-to and --cache-from share the cache through an OCI layout and a registry', async (t) => {
  const f = await fixture(t);
  const reg = await startBerthRegistry();
  t.after(() => reg.stop());
  const files = {
    'Dockerfile': 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo ran >> /log && cat /a.txt >> /log\nENV DONE=1\n',
    'a.txt': 'A\n',
  };
  const layout = join(f.work, 'cache-layout');
  const ref = `${reg.host}/cache/app:buildcache`;
  const first = await ok(f.build(files, ['-t', 'shared', '--cache-to', `type=local,dest=${layout}`, '--cache-to', `type=registry,ref=${ref}`], { sub: 'c' }));
  const id = idOf(first);
  // Other machines: empty stores with the same base image.
  const base = join(f.work, 'base.tar');
  await ok(berth(f.root, ['save', '-o', base, 'busybox']));
  for (const from of [`type=local,src=${layout}`, ref]) {
    const other = await tempDir();
    t.after(other.cleanup);
    const root = join(other.dir, 'root');
    await ok(berth(root, ['load', '-i', base]));
    const r = await ok(berth(root, ['build', '--progress', 'plain', '--cache-from', from, join(f.work, 'c')]));
    assert.equal(r.stderr.match(/CACHED/g)?.length, 2, r.stderr);
    assert.equal(idOf(r), id, `from ${from}`);
    assert.equal((await ok(berth(root, ['run', '--rm', id, 'cat', '/log']))).stdout, 'ran\nA\n');
  }
  // A cache that cannot be read is a warning, not a failure.
  const missing = await ok(f.build(files, ['--cache-from', `type=local,src=${join(f.work, 'nothing-here')}`], { sub: 'c' }));
  assert.match(missing.stderr, /WARNING: failed to read the build cache from the OCI layout/);
});

test('build: ADD from a URL (a server on loopback): named from the URL, mode 600, --checksum checked, a failed download named', async (t) => {
  const f = await fixture(t);
  const body = 'downloaded content\n';
  const server = http.createServer((req, res) => {
    if (req.url === '/files/tool.tar') {
      res.writeHead(200, { 'Last-Modified': 'Tue, 14 Nov 2023 22:13:20 GMT' });
      res.end(body);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sum = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  await ok(f.build({ 'Dockerfile': `FROM busybox\nADD --checksum=${sum} ${base}/files/tool.tar /opt/\n` }, ['-t', 'added'], { sub: 'u' }));
  assert.equal(await f.run('added', 'cat', '/opt/tool.tar'), body);
  assert.equal(await f.run('added', 'stat', '-c', '%a', '/opt/tool.tar'), '600\n');
  const wrong = await f.build({ 'Dockerfile': `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/files/tool.tar /opt/\n` });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /digest mismatch/);
  const gone = await f.build({ 'Dockerfile': `FROM busybox\nADD ${base}/missing /opt/\n` });
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /failed to load ADD source http:\/\/127\.0\.0\.1:\d+\/missing: invalid response status 404/);
});

test('build on a terminal: the progress view redrawn in place, ending with every step and its time', async (t) => {
  const f = await fixture(t);
  const dir = await context(join(f.work, 'tty'), { 'Dockerfile': 'FROM busybox\nRUN echo compiling; sleep 0.3; echo linked\nRUN exit 2\n' });
  const pty = new PtySession(berthBin, ['--root', f.root, 'build', dir], { rows: 30, cols: 100 });
  assert.equal(await pty.finish(), 1);
  assert.match(pty.output, /\[\+\] Building [\d.]+s \(\d+\/\d+\)/);
  assert.ok(/\[\d+A/.test(pty.output) && pty.output.includes('\u001b['), 'the view is redrawn in place');
  assert.match(pty.output, /=> \[2\/3\] RUN echo compiling; sleep 0\.3; echo linked +[\d.]+s/);
  assert.match(pty.output, /=> => # compiling/, 'a running step shows its last lines');
  assert.match(pty.output, /FINISHED[\s\S]*=> ERROR \[3\/3\] RUN exit 2/);
  assert.match(pty.output, /ERROR: failed to solve: Dockerfile:3: RUN exit 2: process "\/bin\/sh -c exit 2" did not complete successfully: exit code: 2/);
});
