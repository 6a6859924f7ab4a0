// The Docker reference grammar (distribution/reference): parsing, normalising, familiar names, and
// the error texts Docker prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../errdefs/index.ts';
import {
  DEFAULT_DOMAIN, familiarName, familiarRepository, formatReference, looksLikeIdPrefix, parseName, parseReference,
  parseTaggedName, repositoryOf, tagOf, type Reference,
} from './reference.ts';

const HEX = 'a1b2c3d4'.repeat(8);
const DIGEST = `sha256:${HEX}` as const;

/** Asserts parseReference refuses `s` with exactly Docker's message. */
function refuses(s: string, message: string): void {
  assert.throws(() => parseReference(s), (err: unknown) => {
    assert.ok(err instanceof BerthError, `a BerthError for ${JSON.stringify(s)}`);
    assert.equal(err.kind, 'InvalidArgument');
    assert.equal(err.message, message, `message for ${JSON.stringify(s)}`);
    return true;
  }, `refuses ${JSON.stringify(s)}`);
}

test('short names are normalised to docker.io/library/… with latest as the default tag', () => {
  assert.deepEqual(parseReference('busybox'), { domain: 'docker.io', path: 'library/busybox' });
  assert.equal(DEFAULT_DOMAIN, 'docker.io');
  assert.equal(parseTaggedName('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(parseTaggedName('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.deepEqual(parseName('busybox'), { repository: 'docker.io/library/busybox' });
  assert.equal(formatReference(parseReference('busybox')), 'docker.io/library/busybox');
  assert.equal(formatReference(parseReference('busybox:latest')), 'docker.io/library/busybox:latest');
});

test('user repositories on Docker Hub, and the legacy index.docker.io', () => {
  assert.deepEqual(parseReference('user/app:1'), { domain: 'docker.io', path: 'user/app', tag: '1' });
  assert.equal(parseTaggedName('user/app:1'), 'docker.io/user/app:1');
  assert.deepEqual(parseReference('docker.io/busybox'), { domain: 'docker.io', path: 'library/busybox' });
  assert.deepEqual(parseReference('docker.io/library/busybox'), { domain: 'docker.io', path: 'library/busybox' });
  assert.deepEqual(parseReference('index.docker.io/busybox:1'), { domain: 'docker.io', path: 'library/busybox', tag: '1' });
  assert.deepEqual(parseReference('index.docker.io/user/app'), { domain: 'docker.io', path: 'user/app' });
  assert.deepEqual(parseReference('a/b/c/d'), { domain: 'docker.io', path: 'a/b/c/d' }, 'several path components, no domain');
});

test('domains: localhost, ports, dotted hosts, IPv6, upper case hosts', () => {
  assert.deepEqual(parseReference('localhost/app'), { domain: 'localhost', path: 'app' });
  assert.equal(parseTaggedName('localhost/app'), 'localhost/app:latest');
  assert.deepEqual(parseReference('localhost:5000/a/b:tag'), { domain: 'localhost:5000', path: 'a/b', tag: 'tag' });
  assert.deepEqual(parseReference(`registry.example.com:5000/ns/name@${DIGEST}`), { domain: 'registry.example.com:5000', path: 'ns/name', digest: DIGEST });
  assert.deepEqual(parseReference('quay.io/org/img:v1.2.3'), { domain: 'quay.io', path: 'org/img', tag: 'v1.2.3' });
  assert.deepEqual(parseReference('[::1]:5000/x'), { domain: '[::1]:5000', path: 'x' });
  assert.deepEqual(parseReference('[fe80::1]/x:t'), { domain: '[fe80::1]', path: 'x', tag: 't' });
  assert.deepEqual(parseReference('192.168.1.10:443/x'), { domain: '192.168.1.10:443', path: 'x' });
  // A first component with upper case cannot be a path, so it is a domain (as splitDockerDomain does).
  assert.deepEqual(parseReference('Registry/app'), { domain: 'Registry', path: 'app' });
  assert.deepEqual(parseReference('my-registry.local/app'), { domain: 'my-registry.local', path: 'app' });
  // Without a slash, "localhost:5000" is the image "localhost" with tag "5000".
  assert.deepEqual(parseReference('localhost:5000'), { domain: 'docker.io', path: 'library/localhost', tag: '5000' });
  assert.deepEqual(parseReference('localhost'), { domain: 'docker.io', path: 'library/localhost' });
});

test('tags and digests, alone and together', () => {
  assert.deepEqual(parseReference(`busybox@${DIGEST}`), { domain: 'docker.io', path: 'library/busybox', digest: DIGEST });
  const both = parseReference(`busybox:1.36@${DIGEST}`);
  assert.deepEqual(both, { domain: 'docker.io', path: 'library/busybox', tag: '1.36', digest: DIGEST });
  assert.equal(formatReference(both), `docker.io/library/busybox:1.36@${DIGEST}`);
  assert.deepEqual(parseName(`localhost:5000/a:t@${DIGEST}`), { repository: 'localhost:5000/a', tag: 't', digest: DIGEST });
  assert.throws(() => parseTaggedName(`busybox@${DIGEST}`), /^BerthError: refusing to create a tag with a digest reference: busybox@sha256:/);
  assert.throws(() => parseTaggedName(`busybox:1@${DIGEST}`), /refusing to create a tag with a digest reference/);
  // Tags: [\w][\w.-]{0,127}
  assert.equal(parseReference('x:A_b-c.D').tag, 'A_b-c.D');
  assert.equal(parseReference(`x:${'t'.repeat(128)}`).tag, 't'.repeat(128));
  assert.equal(parseReference('x:_underscore').tag, '_underscore');
});

test('path components: separators ".", "_", "__", "-"+', () => {
  for (const ok of ['a.b', 'a_b', 'a__b', 'a-b', 'a---b', 'a0/b1', 'x.y-z_w', '0', 'a/b.c/d']) {
    assert.ok(parseReference(ok), ok);
  }
  for (const bad of ['a___b', 'a..b', 'a._b', '-a', 'a-', '_a', 'a_', '.a', 'a/', '/a', 'a//b', 'a/-b', 'a b', 'a/b c', 'ä']) {
    refuses(bad, 'invalid reference format');
  }
});

test('malformed references: Docker\'s "invalid reference format"', () => {
  for (const bad of [
    '', ':tag', 'busybox:', 'busybox:-tag', 'busybox:.tag', `x:${'t'.repeat(129)}`, 'busybox:a:b', 'busybox@', 'busybox@sha256:abc',
    `busybox@sha256:${'A'.repeat(64)}`, 'busybox@md5:d41d8cd98f00b204e9800998ecf8427e', `@${DIGEST}`, 'foo_bar.com/x', '-example.com/x',
    'example-.com/x', 'example.com:port/x', 'example..com/x', 'x'.repeat(2049),
  ]) {
    refuses(bad, 'invalid reference format');
  }
});

test('upper case repository names: Docker\'s "must be lowercase" text', () => {
  // Docker (distribution/reference ParseNormalizedNamed): the message names the normalised path.
  refuses('Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase');
  refuses('Busybox:latest', 'invalid reference format: repository name (library/Busybox) must be lowercase');
  refuses('docker.io/Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase');
  refuses('user/App:1', 'invalid reference format: repository name (user/App) must be lowercase');
  refuses('localhost/App', 'invalid reference format: repository name (App) must be lowercase');
  refuses('localhost:5000/ns/Name', 'invalid reference format: repository name (ns/Name) must be lowercase');
  // Upper case that would be invalid even in lower case is just a bad format.
  refuses('A..B', 'invalid reference format');
  // Upper case in a tag or a domain is fine.
  assert.equal(parseReference('busybox:LATEST').tag, 'LATEST');
  assert.equal(parseReference('Example.COM/app').domain, 'Example.COM');
});

test('names longer than 255 characters (counted with docker.io/library/)', () => {
  const prefix = 'docker.io/library/'.length;
  const fits = 'a'.repeat(255 - prefix);
  assert.equal(repositoryOf(parseReference(fits)).length, 255);
  refuses(`${fits}a`, 'invalid reference format: repository name must not be more than 255 characters');
  refuses(`example.com/${'b'.repeat(244)}`, 'invalid reference format: repository name must not be more than 255 characters');
  assert.ok(parseReference(`example.com/${'b'.repeat(243)}`));
  // The tag does not count.
  assert.ok(parseReference(`${fits}:${'t'.repeat(128)}`));
});

test('a 64-hex repository name is refused, as Docker does (it would look like an image ID)', () => {
  refuses(HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`);
});

test('familiarName / familiarRepository: the short forms docker images shows', () => {
  const cases: [string, string][] = [
    ['docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/library/busybox', 'busybox'],
    ['docker.io/user/app:1', 'user/app:1'],
    ['docker.io/library/a/b:1', 'library/a/b:1'], // library/ is dropped only for single-component names
    ['docker.io/libraryx/y', 'libraryx/y'],
    ['localhost:5000/a/b:tag', 'localhost:5000/a/b:tag'],
    ['quay.io/library/x:1', 'quay.io/library/x:1'],
    [`docker.io/library/busybox@${DIGEST}`, `busybox@${DIGEST}`],
    [`docker.io/library/busybox:1.36@${DIGEST}`, `busybox:1.36@${DIGEST}`],
    [`registry.example.com:5000/ns/name@${DIGEST}`, `registry.example.com:5000/ns/name@${DIGEST}`],
  ];
  for (const [full, short] of cases) assert.equal(familiarName(full), short, full);
  assert.equal(familiarRepository('docker.io/library/busybox'), 'busybox');
  assert.equal(familiarRepository('docker.io/user/app'), 'user/app');
  assert.equal(familiarRepository('localhost/app'), 'localhost/app');
});

test('round trips: familiar → full → familiar, and full → parse → format', () => {
  const inputs = [
    'busybox', 'busybox:1.36', 'user/app:1', 'localhost/app', 'localhost:5000/a/b:tag', `registry.example.com:5000/ns/name@${DIGEST}`,
    `busybox:1@${DIGEST}`, 'quay.io/org/img:v1', '[::1]:5000/x:y', 'a/b/c',
  ];
  for (const s of inputs) {
    const r: Reference = parseReference(s);
    const full = formatReference(r);
    assert.deepEqual(parseReference(full), r, `${s}: the full form parses to the same reference`);
    assert.equal(familiarName(full), s, `${s}: familiar form of ${full}`);
    assert.equal(formatReference(parseReference(familiarName(full))), full);
  }
});

test('tagOf and looksLikeIdPrefix', () => {
  assert.equal(tagOf('docker.io/library/busybox:1.36'), '1.36');
  assert.equal(tagOf('localhost:5000/app'), 'latest', 'a port is not a tag');
  assert.equal(tagOf('localhost:5000/app:v2'), 'v2');
  assert.ok(looksLikeIdPrefix('abc123'));
  assert.ok(looksLikeIdPrefix(HEX));
  assert.ok(!looksLikeIdPrefix(`${HEX}0`));
  assert.ok(!looksLikeIdPrefix('ABC'));
  assert.ok(!looksLikeIdPrefix(''));
  assert.ok(!looksLikeIdPrefix('busybox'));
});
