// Testcontainers for Node against `berth daemon`: a GenericContainer from the busybox fixture
// serving HTTP on a published port, found ready by an HTTP wait strategy, then stopped. Ryuk (its
// reaper image) cannot be pulled here, so it is turned off; the test stops what it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.ts';

test('Testcontainers starts a GenericContainer with a published port and a wait strategy', { timeout: 180_000 }, async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  // Testcontainers leaves a lock file in the temporary directory (its reaper's, even with the reaper off).
  const lock = join(tmpdir(), `testcontainers-node-${process.getuid?.() ?? 0}.lock`);
  if (!existsSync(lock)) t.after(() => rm(lock, { force: true }));
  process.env.DOCKER_HOST = d.env.DOCKER_HOST;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  const { GenericContainer, Wait } = await import('testcontainers');

  const container = await new GenericContainer('busybox:latest')
    .withCommand(['sh', '-c', 'mkdir -p /www && echo "hello from berth" > /www/index.html && exec httpd -f -p 8080 -h /www'])
    .withExposedPorts(8080)
    .withLabels({ suite: 'testcontainers' })
    .withWaitStrategy(Wait.forHttp('/', 8080).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  let stopped = false;
  t.after(async () => {
    if (!stopped) await container.stop().catch(() => undefined);
  });

  const port = container.getMappedPort(8080);
  assert.ok(port > 0);
  const body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
  assert.equal(body, 'hello from berth\n');
  const ps = await d.docker(['ps', '--filter', 'label=suite=testcontainers', '--format', '{{.Image}} {{.Ports}}']);
  assert.match(ps.stdout.trim(), new RegExp(`^busybox:latest .*:${port}->8080/tcp`));

  await container.stop();
  stopped = true;
  // Testcontainers removes what it stopped.
  assert.equal((await d.docker(['ps', '-aq', '--filter', 'label=suite=testcontainers'])).stdout.trim(), '');
});
