import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLine, environment, DEFAULT_PATH } from './spec.ts';
import { effectiveCapabilities, hostCapabilities, DEFAULT_CAPABILITIES, ALL_CAPABILITIES } from './caps.ts';
import { resolveUserFrom } from './user.ts';

test('ENTRYPOINT and CMD combine as Docker combines them', () => {
  const image = { Entrypoint: ['/entry', '-x'], Cmd: ['default'] };
  assert.deepEqual(commandLine(image, {}), ['/entry', '-x', 'default']);
  assert.deepEqual(commandLine(image, { args: ['mine'] }), ['/entry', '-x', 'mine']);
  assert.deepEqual(commandLine(image, { entrypoint: 'sh' }), ['sh'], "a new entrypoint drops the image's CMD");
  assert.deepEqual(commandLine(image, { entrypoint: '', args: ['ls'] }), ['ls']);
  assert.deepEqual(commandLine({ Cmd: ['sh'] }, {}), ['sh']);
  assert.throws(() => commandLine({}, {}), /no command specified/);
});

test('environment: image then user, PATH default, HOSTNAME, HOME, TERM with a tty', () => {
  const env = environment(['A=1', 'B=2'], ['B=3', 'C=4'], { hostname: 'h', home: '/root', tty: true });
  assert.deepEqual(env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=h', 'A=1', 'B=3', 'TERM=xterm', 'C=4', 'HOME=/root']);
  assert.deepEqual(environment(['PATH=/x'], [], { hostname: 'h', home: '/', tty: false }), ['HOSTNAME=h', 'PATH=/x', 'HOME=/']);
});

test('capabilities: defaults, add, drop, ALL, privileged', () => {
  assert.deepEqual(effectiveCapabilities({}), DEFAULT_CAPABILITIES);
  assert.ok(effectiveCapabilities({ add: ['sys_admin'] }).includes('CAP_SYS_ADMIN'));
  assert.ok(!effectiveCapabilities({ drop: ['CAP_CHOWN'] }).includes('CAP_CHOWN'));
  assert.deepEqual(effectiveCapabilities({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] }), ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(effectiveCapabilities({ privileged: true }, ALL_CAPABILITIES), ALL_CAPABILITIES);
  // "All" is what the host's bounding set allows: a sandbox without CAP_SYS_RESOURCE (bit 24).
  const host = hostCapabilities('Name:\tx\nCapBnd:\t000001fffeffffff\n');
  assert.equal(host.length, ALL_CAPABILITIES.length - 1);
  assert.ok(!host.includes('CAP_SYS_RESOURCE') && host.includes('CAP_CHECKPOINT_RESTORE') && host.includes('CAP_CHOWN'));
  assert.deepEqual(effectiveCapabilities({ privileged: true }, host), host);
  assert.ok(!effectiveCapabilities({ add: ['ALL'] }, host).includes('CAP_SYS_RESOURCE'));
  assert.throws(() => effectiveCapabilities({ add: ['FLY'] }), /invalid capability: FLY/);
});

test('users resolve through passwd and group, with supplementary groups', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\n';
  const group = 'root:x:0:\napp:x:1000:\nwheel:x:10:app,other\naudio:x:63:app\n';
  assert.deepEqual(resolveUserFrom('app', passwd, group), { uid: 1000, gid: 1000, additionalGids: [10, 63], home: '/home/app' });
  assert.deepEqual(resolveUserFrom('1000:10', passwd, group), { uid: 1000, gid: 10, additionalGids: [], home: '/home/app' });
  assert.deepEqual(resolveUserFrom('4242', passwd, group), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUserFrom('app:wheel', passwd, group).gid, 10);
  assert.throws(() => resolveUserFrom('nobody', passwd, group), /unable to find user nobody: no matching entries in passwd file/);
  assert.throws(() => resolveUserFrom('app:nogroup', passwd, group), /unable to find group nogroup/);
});
