// Platforms: parsing --platform, normalising architectures and variants, matching, and choosing a
// manifest from an index the way containerd's default matcher does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Descriptor, Index } from './manifest.ts';
import { formatPlatform, hostPlatform, matchPlatform, normalizePlatform, parsePlatform, selectManifest, type Platform } from './platform.ts';

const fmt = (p: Platform): string => formatPlatform(p);

test('parsePlatform: os/arch[/variant], normalised', () => {
  const cases: [string, string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/i386', 'linux/386'],
    ['linux/386', 'linux/386'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/arm/5', 'linux/arm/v5'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['Linux/AMD64', 'linux/amd64'],
    ['darwin/arm64', 'darwin/arm64'],
    ['windows/amd64', 'windows/amd64'],
    ['linux/s390x', 'linux/s390x'],
    ['amd64', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
  ];
  for (const [input, want] of cases) assert.equal(fmt(parsePlatform(input)), want, input);
  const p = parsePlatform('linux/arm64/v8');
  assert.equal(p.os, 'linux');
  assert.equal(p.architecture, 'arm64');
  assert.equal(p.variant, undefined);
});

test('parsePlatform: "linux" alone is the host platform', () => {
  assert.deepEqual(parsePlatform('linux'), hostPlatform());
  const host = hostPlatform();
  assert.equal(host.os, 'linux');
  const nodeArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64', riscv64: 'riscv64' };
  assert.equal(host.architecture, nodeArch[process.arch] ?? process.arch);
});

test('parsePlatform: malformed specifiers', () => {
  assert.throws(() => parsePlatform('a/b/c/d'), /^BerthError: "a\/b\/c\/d": unknown platform format$/);
  assert.throws(() => parsePlatform('linux/'), /"" is an invalid component of "linux\/": platform specifier component must match "\^\[A-Za-z0-9_-\]\+\$"/);
  assert.throws(() => parsePlatform(''), /is an invalid component of ""/);
  assert.throws(() => parsePlatform('linux/amd 64'), /"amd 64" is an invalid component of "linux\/amd 64"/);
  assert.throws(() => parsePlatform('linux/arm/v7.1'), /"v7\.1" is an invalid component/);
  assert.throws(() => parsePlatform('linux//amd64'), /is an invalid component/);
});

test('parsePlatform: normalisation as containerd does it (armel, amd64/v1)', () => {
  assert.equal(fmt(parsePlatform('linux/armel')), 'linux/arm/v6');
  assert.equal(fmt(parsePlatform('linux/amd64/v1')), 'linux/amd64');
});

test('parsePlatform: a single component that is an OS, or neither OS nor architecture', () => {
  assert.equal(parsePlatform('windows').os, 'windows');
  assert.throws(() => parsePlatform('foo'), /unknown operating system or architecture/);
});

test('normalizePlatform: aliases, case, arm variants; leaves other fields alone', () => {
  assert.equal(fmt(normalizePlatform({ os: 'Linux', architecture: 'AARCH64', variant: 'v8' })), 'linux/arm64');
  assert.equal(fmt(normalizePlatform({ os: 'linux', architecture: 'arm64', variant: 'v9' })), 'linux/arm64/v9');
  assert.equal(fmt(normalizePlatform({ os: 'linux', architecture: 'arm', variant: '6' })), 'linux/arm/v6');
  assert.equal(fmt(normalizePlatform({ os: 'linux', architecture: 'armhf' })), 'linux/arm/v7');
  const w = normalizePlatform({ os: 'windows', architecture: 'x64', 'os.version': '10.0.17763.1234', 'os.features': ['win32k'] });
  assert.equal(w.architecture, 'amd64');
  assert.equal(w['os.version'], '10.0.17763.1234');
  assert.deepEqual(w['os.features'], ['win32k']);
});

test('formatPlatform', () => {
  assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64' }), 'linux/amd64');
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
});

test('matchPlatform: os and architecture must match; variants', () => {
  const p = (s: string): Platform => parsePlatform(s);
  const yes: [string, Platform][] = [
    ['linux/amd64', p('linux/amd64')],
    ['linux/amd64', { os: 'linux', architecture: 'x86_64' }],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v6' }], // a v7 host runs v6 and v5
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v5' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm' }], // no variant means v7
    ['linux/arm/v8', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64' }], // an image without a variant fits any
  ];
  const no: [string, Platform][] = [
    ['linux/amd64', { os: 'linux', architecture: 'arm64' }],
    ['linux/amd64', { os: 'windows', architecture: 'amd64' }],
    ['linux/amd64', { os: 'unknown', architecture: 'unknown' }],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v7' }], // a v6 host cannot run v7
    ['linux/arm/v5', { os: 'linux', architecture: 'arm' }],
    ['linux/arm64', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/amd64', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
    ['linux/amd64/v2', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
  ];
  for (const [want, have] of yes) assert.ok(matchPlatform(p(want), have), `${want} runs ${fmt(have)}`);
  for (const [want, have] of no) assert.ok(!matchPlatform(p(want), have), `${want} does not run ${fmt(have)}`);
});

function desc(n: number, platform?: Platform): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    size: 100 + n,
    ...(platform ? { platform } : {}),
  };
}

const index: Index = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    desc(1, { os: 'linux', architecture: 'amd64' }),
    desc(2, { os: 'linux', architecture: 'arm', variant: 'v5' }),
    desc(3, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    desc(4, { os: 'linux', architecture: 'arm', variant: 'v7' }),
    desc(5, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    desc(6, { os: 'linux', architecture: '386' }),
    desc(7, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' }),
    desc(8, { os: 'unknown', architecture: 'unknown' }), // a BuildKit attestation manifest
    desc(9), // no platform at all
    desc(10, { os: 'linux', architecture: 'amd64', variant: 'v3' }),
  ],
};

test('selectManifest: the best manifest of an index for a platform', () => {
  const pick = (s: string, ix: Index = index): number | undefined => {
    const d = selectManifest(ix, parsePlatform(s));
    return d === undefined ? undefined : Number.parseInt(d.digest.slice(7), 16);
  };
  assert.equal(pick('linux/amd64'), 1);
  assert.equal(pick('linux/amd64/v3'), 10, 'the exact variant beats the plain one');
  assert.equal(pick('linux/amd64/v2'), 1);
  assert.equal(pick('linux/arm64'), 5);
  assert.equal(pick('linux/arm64/v8'), 5);
  assert.equal(pick('linux/aarch64'), 5);
  assert.equal(pick('linux/arm/v7'), 4);
  assert.equal(pick('linux/arm'), 4);
  assert.equal(pick('linux/arm/v6'), 3);
  assert.equal(pick('linux/arm/v5'), 2);
  assert.equal(pick('linux/386'), 6);
  assert.equal(pick('windows/amd64'), 7);
  assert.equal(pick('linux/s390x'), undefined);
  assert.equal(pick('linux/riscv64'), undefined);
  // Index order does not matter for arm: the best variant the host runs wins.
  const reversed: Index = { ...index, manifests: [...index.manifests].reverse() };
  assert.equal(pick('linux/arm/v7', reversed), 4);
  assert.equal(pick('linux/arm/v6', reversed), 3);
  assert.equal(pick('linux/amd64', reversed), 1);
  // A v7 host falls back to v6, then v5, when the index has nothing better.
  const older: Index = { ...index, manifests: index.manifests.filter((d) => !(d.platform?.architecture === 'arm' && d.platform.variant === 'v7')) };
  assert.equal(pick('linux/arm/v7', older), 3);
  const oldest: Index = { ...index, manifests: [desc(2, { os: 'linux', architecture: 'arm', variant: 'v5' })] };
  assert.equal(pick('linux/arm/v7', oldest), 2);
  assert.equal(pick('linux/arm64', { schemaVersion: 2, manifests: [] }), undefined);
  // Two manifests for one platform: the first listed wins.
  const twice: Index = { schemaVersion: 2, manifests: [desc(21, { os: 'linux', architecture: 'amd64' }), desc(22, { os: 'linux', architecture: 'amd64' })] };
  assert.equal(pick('linux/amd64', twice), 21);
  // The returned descriptor is the index's own.
  assert.equal(selectManifest(index, parsePlatform('linux/arm64')), index.manifests[4]);
});
