// dockerode (the Node.js Docker SDK) against `berth daemon`: the create/start/wait/logs/inspect/
// remove flow, and attach with a hijacked connection that carries stdin in and output out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { startDaemon } from './daemon.ts';

/** Splits a multiplexed stream into stdout and stderr text, as dockerode's users do. */
function collect(docker: Docker, stream: NodeJS.ReadableStream): { out: () => string; err: () => string; ended: Promise<void> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  docker.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
  });
  return { out: () => out, err: () => err, ended };
}

test('dockerode drives berth', { timeout: 180_000 }, async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  const docker = new Docker({ socketPath: d.socket });

  await t.test('create, start, wait, logs, inspect, remove', async () => {
    const container = await docker.createContainer({
      Image: 'busybox',
      name: 'sdk',
      Cmd: ['sh', '-c', 'echo "to stdout $MODE"; echo "to stderr" >&2; exit 4'],
      Env: ['MODE=sdk'],
      Labels: { via: 'dockerode' },
      HostConfig: { Memory: 64 * 1024 * 1024 },
    });
    const before = await container.inspect();
    assert.equal(before.State.Status, 'created');
    assert.equal(before.Name, '/sdk');
    assert.equal(before.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(before.Config.Labels.via, 'dockerode');

    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    assert.equal(result.StatusCode, 4);

    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    const frames = { out: '', err: '' };
    for (let off = 0; off + 8 <= logs.length;) {
      const size = logs.readUInt32BE(off + 4);
      const text = logs.subarray(off + 8, off + 8 + size).toString();
      if (logs[off] === 1) frames.out += text;
      else frames.err += text;
      off += 8 + size;
    }
    assert.deepEqual(frames, { out: 'to stdout sdk\n', err: 'to stderr\n' });

    const after = await container.inspect();
    assert.equal(after.State.Status, 'exited');
    assert.equal(after.State.ExitCode, 4);
    const listed = await docker.listContainers({ all: true, filters: { label: ['via=dockerode'] } });
    assert.deepEqual(listed.map((c) => c.Names[0]), ['/sdk']);

    await container.remove();
    await assert.rejects(docker.getContainer('sdk').inspect(), (err: { statusCode?: number; json?: { message?: string } }) => err.statusCode === 404 && err.json?.message === 'No such container: sdk');
  });

  await t.test('attach with hijack: stdin in, output out, before the container starts', async (st) => {
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'while read l; do echo "got $l"; done; echo bye >&2'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    st.after(() => container.remove({ force: true }).catch(() => undefined));
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    const output = collect(docker, stream);
    await container.start();
    stream.write('one\ntwo\n');
    // Half-close: the container's stdin ends, its loop ends.
    (stream as unknown as { end(): void }).end();
    await output.ended;
    assert.equal(output.out(), 'got one\ngot two\n');
    assert.equal(output.err(), 'bye\n');
    assert.equal(((await container.wait()) as { StatusCode: number }).StatusCode, 0);
  });

  await t.test('attach to a running container sees its output; stop ends the stream', async (st) => {
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'] });
    st.after(() => container.remove({ force: true }).catch(() => undefined));
    await container.start();
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const output = collect(docker, stream);
    for (let i = 0; i < 100 && !/tick \d+\n/.test(output.out()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(output.out(), /tick \d+\n/);
    await container.stop({ t: 5 });
    await output.ended;
    assert.equal((await container.inspect()).State.ExitCode, 0);
  });
});
