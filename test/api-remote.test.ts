// berth's CLI driving a daemon (--host): the same commands print the same things as in local mode
// on the same root, because both go through the one Engine interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from './daemon.ts';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, ok, run, tempDir } from './helpers.ts';

test('remote CLI: read commands print what local mode prints on the same root', async (t) => {
  const d = await startDaemon();
  // The network before the root goes (a berth command on a removed root would make it again).
  t.after(async () => {
    await berth(d.root, ['network', 'rm', 'remote-net']);
    await d.cleanup();
  });
  const remote = (args: string[], input?: string): ReturnType<typeof berth> => berth(d.root, ['--host', `unix://${d.socket}`, ...args], { input });
  await ok(berth(d.root, ['volume', 'create', '--label', 'k=v', 'data']));
  await ok(berth(d.root, ['network', 'create', '--subnet', '10.89.250.0/24', 'remote-net']));
  await ok(berth(d.root, ['create', '--name', 'idle', 'busybox', 'true']));
  for (const args of [
    ['images'],
    ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'],
    ['image', 'inspect', 'busybox'],
    ['history', 'busybox'],
    ['ps', '-a', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Status}}'],
    ['inspect', '--format', '{{.Name}} {{.State.Status}} {{.Config.Image}}', 'idle'],
    ['volume', 'ls'],
    ['volume', 'inspect', 'data'],
    ['network', 'ls', '--format', '{{.Name}} {{.Driver}}'],
  ]) {
    const local = await ok(berth(d.root, args));
    const viaDaemon = await remote(args);
    assert.equal(viaDaemon.code, 0, `${args.join(' ')}: ${viaDaemon.stderr}`);
    // A second may pass between the two: "2 seconds ago" and "3 seconds ago" are the same answer.
    // (and the table's columns widen or narrow with the words)
    const ages = (text: string): string => text.replace(/(\d+|Less than a|About a) (second|minute)s? ago/g, 'a moment ago').replace(/ {2,}/g, ' | ');
    assert.equal(ages(viaDaemon.stdout), ages(local.stdout), `berth ${args.join(' ')} differs through the daemon`);
  }
  // Errors keep their text and exit code.
  // save -o: the daemon's archive, written to a file, is the one local mode writes.
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  await ok(berth(d.root, ['save', '-o', join(dir, 'local.tar'), 'busybox']));
  await ok(remote(['save', '-o', join(dir, 'remote.tar'), 'busybox']));
  assert.ok((await readFile(join(dir, 'remote.tar'))).equals(await readFile(join(dir, 'local.tar'))), 'save -o through the daemon writes the same archive');
  assert.deepEqual((await readdir(dir)).sort(), ['local.tar', 'remote.tar'], 'no temporary file left');
  const missing = await remote(['inspect', 'no-such-thing']);
  const localMissing = await berth(d.root, ['inspect', 'no-such-thing']);
  assert.equal(missing.code, localMissing.code);
  assert.equal(missing.stderr, localMissing.stderr);
});

test('docker export piped into docker import through one daemon, from an image never unpacked', async (t) => {
  // The export's mount unpacks the image's layer while the import, feeding on it, is writing to the
  // store: the first must not wait for the second.
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const host = `unix://${d.socket}`;
  await ok(berth(d.root, ['--host', host, 'create', '--name', 'src', 'busybox', 'true']));
  assert.deepEqual(await readdir(join(d.root, 'layers')), [], 'the image is not unpacked yet');
  const piped = await run('timeout', ['120', 'sh', '-c', 'docker export src | docker import - piped:1'], { env: d.env });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match((await ok(berth(d.root, ['--host', host, 'run', '--rm', 'piped:1', 'ls', '/bin/busybox']))).stdout, /^\/bin\/busybox\n$/);
});

test('remote CLI: run, logs, stop, rm and volumes through the daemon', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const remote = (args: string[], input?: string): ReturnType<typeof berth> => berth(d.root, ['--host', `unix://${d.socket}`, ...args], { input });

  const once = await remote(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(once.code, 3, once.stderr);
  assert.equal(once.stdout, 'out\n');
  assert.equal(once.stderr, 'err\n');

  const piped = await remote(['run', '--rm', '-i', 'busybox', 'cat'], 'through stdin\n');
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, 'through stdin\n');

  const id = (await ok(remote(['run', '-d', '--name', 'web', '-v', 'kept:/data', 'busybox', 'sh', '-c', 'echo hello > /data/f; echo started; sleep 60']))).stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  for (let i = 0; i < 50 && !(await remote(['logs', 'web'])).stdout.includes('started'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await ok(remote(['logs', 'web']))).stdout, 'started\n');
  assert.match((await ok(remote(['ps', '--format', '{{.Names}} {{.Status}}']))).stdout, /^web Up /);
  await ok(remote(['stop', '-t', '0', 'web']));
  await ok(remote(['rm', 'web']));
  const reader = await ok(remote(['run', '--rm', '-v', 'kept:/data', 'busybox', 'cat', '/data/f']));
  assert.equal(reader.stdout, 'hello\n');
  await ok(remote(['volume', 'rm', 'kept']));
  assert.equal((await ok(remote(['ps', '-aq']))).stdout, '');
});

test('remote CLI: a daemon that is not there', async () => {
  const r = await berth('/nonexistent-root', ['--host', 'unix:///nonexistent/berth.sock', 'ps']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot connect to the berth daemon at unix:\/\/\/nonexistent\/berth\.sock\. Is the berth daemon running\?/);
});

test('remote CLI: build sends the context as docker does (.dockerignore applied, -f inside the context)', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'Dockerfile.dev'), 'FROM busybox\nCOPY . /ctx\nCMD ["ls", "-A", "/ctx", "/ctx/sub"]\n');
  await writeFile(join(dir, '.dockerignore'), 'secret.txt\nsub/*.log\n');
  await writeFile(join(dir, 'secret.txt'), 'not for the daemon\n');
  await writeFile(join(dir, 'kept.txt'), 'kept\n');
  await writeFile(join(dir, 'sub', 'debug.log'), 'log\n');
  await writeFile(join(dir, 'sub', 'data'), 'data\n');
  const built = await berth(d.root, ['--host', `unix://${d.socket}`, 'build', '-q', '-t', 'remote-built', '-f', join(dir, 'Dockerfile.dev'), dir]);
  assert.equal(built.code, 0, built.stderr);
  // The image is in the daemon's store: run it there with the local engine.
  const listing = await ok(berth(d.root, ['run', '--rm', 'remote-built']));
  assert.equal(listing.stdout, '/ctx:\n.dockerignore\nDockerfile.dev\nkept.txt\nsub\n\n/ctx/sub:\ndata\n');
});
