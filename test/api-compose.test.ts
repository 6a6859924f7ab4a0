// docker-compose v1 (the Debian package, 1.29) against the daemon: a two-service project — a
// busybox httpd serving a file from a named volume, and a client that fetches it by service name
// over the project's network — brought up, looked at, and taken down with its volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon } from './daemon.ts';
import { ok, run, tempDir, type RunResult } from './helpers.ts';

const project = `
version: "3.7"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"]
    volumes:
      - www:/www
  client:
    image: busybox
    depends_on: [web]
    command: ["sh", "-c", "for i in $$(seq 1 50); do wget -q -O - http://web:8080/ && exit 0; sleep 0.2; done; exit 1"]
volumes:
  www:
`;

// Compose 1.29 negotiates the API version; COMPOSE_API_VERSION pins an old one, as older compose
// releases and compose files did (1.2x–1.3x).
for (const api of ['negotiated', '1.30']) {
  test(`docker-compose v1 (API ${api}): up -d, ps, logs, the client reaches the server by name, down -v`, async (t) => {
    const d = await startDaemon();
    const { dir, cleanup } = await tempDir();
    await writeFile(join(dir, 'docker-compose.yml'), project);
    const compose = (args: string[]): Promise<RunResult> => run('docker-compose', ['--ansi', 'never', '-p', 'bt', ...args], { cwd: dir, env: { ...d.env, ...(api === 'negotiated' ? {} : { COMPOSE_API_VERSION: api }) } });
    // In this order: compose needs the daemon and the project directory.
    t.after(async () => {
      await compose(['down', '-v', '--timeout', '1']);
      await d.cleanup();
      await cleanup();
    });

    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, `up: ${up.stdout}${up.stderr}\n${d.log()}`);
    assert.match(up.stderr, /Creating network "bt_default" with the default driver/);
    assert.match(up.stderr, /Creating volume "bt_www" with default driver/);
    assert.match(up.stderr, /Creating bt_web_1 \.\.\. done/);
    assert.match(up.stderr, /Creating bt_client_1 \.\.\. done/);

    // The client fetches once and exits 0.
    const wait = await ok(d.docker(['wait', 'bt_client_1']));
    assert.equal(wait.stdout.trim(), '0');
    const logs = await ok(compose(['logs', '--no-color', 'client']));
    assert.match(logs.stdout, /client_1\s+\| hello-from-web/);

    const ps = await ok(compose(['ps']));
    assert.match(ps.stdout, /bt_web_1\s+sh -c echo hello-from-web .*\s+Up\s/);
    assert.match(ps.stdout, /bt_client_1\s+sh -c for i in .*\s+Exit 0\s/);
    const labels = await ok(d.docker(['volume', 'ls', '--filter', 'label=com.docker.compose.project=bt', '--format', '{{.Name}}']));
    assert.equal(labels.stdout.trim(), 'bt_www');
    const net = await ok(d.docker(['network', 'inspect', '--format', '{{index .Labels "com.docker.compose.network"}} {{len .Containers}}', 'bt_default']));
    assert.equal(net.stdout.trim(), 'default 1', 'the web server is on the project network');

    const down = await compose(['down', '-v', '--timeout', '1']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /Removing network bt_default/);
    assert.match(down.stderr, /Removing volume bt_www/);
    assert.equal((await ok(d.docker(['ps', '-aq']))).stdout, '');
    assert.equal((await ok(d.docker(['volume', 'ls', '-q']))).stdout, '');
    assert.doesNotMatch((await ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))).stdout, /bt_default/);
  });
}
