// The create body as the docker CLI and SDKs send it, to the engine's options; and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from './container-create.ts';

test('a docker run body becomes the options `berth run` would have', () => {
  const { options, consoleSize } = createRequest({
    Image: 'busybox', Cmd: ['sh', '-c', 'true'], Entrypoint: null, Env: ['A=1'], WorkingDir: '', User: '', Hostname: '', Labels: { a: 'b' },
    Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, StopSignal: 'SIGINT', StopTimeout: 3,
    ExposedPorts: { '80/tcp': {} }, Volumes: { '/anon': {} },
    HostConfig: {
      Binds: ['/host:/in:ro'], Tmpfs: { '/run': 'size=1m' }, PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '53/udp': [{ HostIp: '::1', HostPort: '5353' }], '81/tcp': [{ HostIp: '', HostPort: '0' }] },
      NetworkMode: 'default', RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 }, AutoRemove: false, Memory: 0, NanoCpus: 1500000000, PidsLimit: -1,
      CapAdd: ['NET_ADMIN'], CapDrop: null, Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }], Init: true, ConsoleSize: [30, 100],
      Mounts: [{ Type: 'volume', Source: 'data', Target: '/data', ReadOnly: true }], LogConfig: { Type: '', Config: {} },
    },
    NetworkingConfig: { EndpointsConfig: { default: { Aliases: ['web'] } } },
  }, '/named');
  assert.deepEqual(options, {
    image: 'busybox', name: 'named', cmd: ['sh', '-c', 'true'], env: ['A=1'], labels: { a: 'b' }, tty: true, openStdin: true,
    attach: { stdin: true, stdout: true, stderr: true }, stopSignal: 'SIGINT', stopTimeout: 3, expose: ['80/tcp'],
    binds: ['/host:/in:ro', '/anon'], mounts: [{ Type: 'volume', Source: 'data', Target: '/data', ReadOnly: true }], tmpfs: ['/run:size=1m'],
    publish: ['127.0.0.1::80/tcp', '[::1]:5353:53/udp', '81/tcp'], restart: 'on-failure:2', autoRemove: false, cpus: 1.5,
    capAdd: ['NET_ADMIN'], privileged: false, readOnly: false, ulimits: ['nofile=100:200'], init: true, networkAliases: ['web'],
  });
  assert.deepEqual(consoleSize, { height: 30, width: 100 });
});

test('Entrypoint and Cmd may be strings (strslice), and [""] resets the entrypoint', () => {
  assert.deepEqual(createRequest({ Image: 'x', Cmd: 'ls -l', Entrypoint: '' }, undefined).options.cmd, ['ls -l']);
  assert.deepEqual(createRequest({ Image: 'x', Entrypoint: [''] }, undefined).options.entrypoint, ['']);
});

test('wrong types are refused with the Go decoder\'s words', () => {
  const refuse = (body: unknown, message: string): void => assert.throws(() => createRequest(body, undefined), (err: Error) => err.message === message);
  refuse({ Image: 'x', Cmd: 5 }, 'invalid JSON: json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Cmd of type string');
  refuse({ Image: 'x', Tty: 'yes' }, 'invalid JSON: json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Tty of type bool');
  refuse({ Image: 'x', HostConfig: { Binds: 'a:b' } }, 'invalid JSON: json: cannot unmarshal string into Go struct field HostConfig.Binds of type []string');
  refuse({ Image: 'x', HostConfig: { PortBindings: { '80/tcp': {} } } }, 'invalid JSON: json: cannot unmarshal object into Go struct field HostConfig.PortBindings.80/tcp of type []nat.PortBinding');
  refuse({ Image: 'x', HostConfig: { Mounts: [{ Type: 'npipe', Target: '/x' }] } }, 'mount type unknown: "npipe"');
  refuse(undefined, 'invalid JSON: got EOF while reading request body');
  refuse({}, 'No image specified');
});

test('a Config.Volumes path that a bind or a mount covers is no anonymous volume (docker-compose sends both)', () => {
  const { options } = createRequest({
    Image: 'x',
    Volumes: { '/www': {}, '/cache/': {}, '/data': {} },
    HostConfig: { Binds: ['site:/www:rw'], Mounts: [{ Type: 'volume', Source: 'c', Target: '/cache' }] },
  }, undefined);
  assert.deepEqual(options.binds, ['site:/www:rw', '/data']);
});
