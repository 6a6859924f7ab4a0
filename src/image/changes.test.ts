import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes.ts';

test('applyChanges: exec and shell forms, env, labels, ports, volumes, workdir', () => {
  const c = applyChanges({}, [
    'CMD ["sh", "-c", "echo hi"]',
    'ENTRYPOINT /bin/echo',
    'ENV A=1 B="two words"',
    'ENV C 3',
    'ENV A=overridden',
    'LABEL org.example=x',
    'EXPOSE 80 53/udp 8000-8001',
    'VOLUME ["/data"]',
    'WORKDIR /app',
    'WORKDIR sub',
    'USER 1000:1000',
    'STOPSIGNAL SIGINT',
  ]);
  assert.deepEqual(c.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/bin/echo']);
  assert.deepEqual(c.Env, ['B=two words', 'C=3', 'A=overridden']);
  assert.deepEqual(c.Labels, { 'org.example': 'x' });
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} });
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.WorkingDir, '/app/sub');
  assert.equal(c.User, '1000:1000');
  assert.equal(c.StopSignal, 'SIGINT');
});

test('applyChanges: refuses instructions that are not config changes', () => {
  assert.throws(() => applyChanges({}, ['RUN rm -rf /']), /RUN is not a valid change command/);
  assert.throws(() => applyChanges({}, ['EXPOSE eighty']), /invalid containerPort: eighty/);
});
