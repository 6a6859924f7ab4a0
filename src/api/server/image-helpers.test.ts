// The image routes' small helpers: X-Registry-Auth decoding, the registry access the daemon gives
// a client, name + tag joining, and Docker's progress bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialsOf, decodeAuthHeader, lenientAuthHeader, parseAuthConfig, registryAccess } from './image-auth.ts';
import { hasTagOrDigest, withTag, withoutTag } from './image-names.ts';
import { humanSize, progressBar } from './image-stream.ts';
import { DaemonState } from './state.ts';

test('X-Registry-Auth: base64url or standard base64, padded or not; malformed values named', () => {
  const json = JSON.stringify({ username: 'al?ce', password: 'p>ss~~', serveraddress: '127.0.0.1:5000', Email: 'x@y', extra: 1 });
  const expected = { username: 'al?ce', password: 'p>ss~~', serveraddress: '127.0.0.1:5000', email: 'x@y' };
  assert.deepEqual(decodeAuthHeader(Buffer.from(json).toString('base64url')), expected);
  assert.deepEqual(decodeAuthHeader(Buffer.from(json).toString('base64')), expected);
  assert.equal(decodeAuthHeader(undefined), undefined);
  assert.equal(decodeAuthHeader(''), undefined);
  assert.throws(() => decodeAuthHeader('not base64!'), /^BerthError: invalid X-Registry-Auth header: illegal base64 data$/);
  assert.throws(() => decodeAuthHeader(Buffer.from('[1]').toString('base64url')), /cannot unmarshal array into Go value of type registry\.AuthConfig/);
  assert.throws(() => decodeAuthHeader(Buffer.from('{"password":true}').toString('base64url')), /cannot unmarshal boolean into Go struct field AuthConfig\.password of type string/);
  // Pull and distribution ignore what they cannot read, as dockerd does.
  assert.equal(lenientAuthHeader('%%%'), undefined);
  assert.throws(() => parseAuthConfig(''), /EOF/);
});

test('credentials: the fields, or the base64 `auth` config.json keeps; none without a user name', () => {
  assert.deepEqual(credentialsOf({ username: 'a', password: 'b' }), { username: 'a', password: 'b' });
  assert.deepEqual(credentialsOf({ auth: Buffer.from('bob:se:cret').toString('base64') }), { username: 'bob', password: 'se:cret' });
  assert.equal(credentialsOf({ serveraddress: 'x' }), undefined);
  assert.equal(credentialsOf(undefined), undefined);
});

test("registry access for a client: its credentials only, never a credentials file, daemon.json's insecure registries", () => {
  const state = new DaemonState({ root: '/r', version: '0', config: { 'insecure-registries': ['10.0.0.0/8', 'reg.example:5000'] } });
  assert.deepEqual(registryAccess(state, { username: 'a', password: 'b' }), { credentialStore: false, creds: { username: 'a', password: 'b' }, insecureRegistries: ['10.0.0.0/8', 'reg.example:5000'], registryMirrors: [] });
  assert.deepEqual(registryAccess(new DaemonState({ root: '/r', version: '0', config: {} }), undefined), { credentialStore: false, insecureRegistries: [], registryMirrors: [] });
});

test('names and tags: a port is not a tag; a digest tag makes NAME@DIGEST', () => {
  assert.equal(withoutTag('127.0.0.1:5000/a/b:1'), '127.0.0.1:5000/a/b');
  assert.equal(withoutTag('127.0.0.1:5000/a/b'), '127.0.0.1:5000/a/b');
  assert.equal(withoutTag(`busybox@sha256:${'a'.repeat(64)}`), 'busybox');
  assert.equal(hasTagOrDigest('localhost:5000/x'), false);
  assert.equal(hasTagOrDigest('x:1'), true);
  assert.equal(withTag('x:1', '2'), 'x:2');
  assert.equal(withTag('x:1', ''), 'x:1');
  assert.equal(withTag('h:5000/x', `sha256:${'b'.repeat(64)}`), `h:5000/x@sha256:${'b'.repeat(64)}`);
});

test("progress: Docker's bar and go-units' sizes", () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(2048), '2.048kB');
  assert.equal(humanSize(1_980_000), '1.98MB');
  assert.equal(progressBar(0, 100), `[>${' '.repeat(50)}] 0B/100B`);
  assert.equal(progressBar(50, 100), `[${'='.repeat(25)}>${' '.repeat(25)}] 50B/100B`);
  assert.equal(progressBar(100, 100), `[${'='.repeat(50)}>] 100B/100B`);
});
