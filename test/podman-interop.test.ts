// podman as the other client: images that berth pushed are pulled by podman with the same digest,
// images that podman pushed are pulled by berth with the same digest, against the reference
// registry and against berth's own, in each access mode (open, TLS + htpasswd, bearer tokens).
// podman keeps its store under a temporary directory (vfs: no mounts) and runs no container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { berth, ok, run, rootWithBusybox, tempDir, type RunResult } from './helpers.ts';
import { startBerthRegistry, startRegistry, type Registry, type RegistryAuth } from './registry-servers.ts';

interface Podman {
  (args: string[]): Promise<RunResult>;
}

/** podman with a store, run dir and auth file of its own, so the host's podman state is untouched. */
async function podmanIn(dir: string, t: { after(fn: () => Promise<void>): void }): Promise<Podman> {
  // podman refuses an auth file named by REGISTRY_AUTH_FILE that does not exist yet.
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'auth.json'), '{"auths":{}}\n');
  // podman refuses a run root longer than 50 characters: a short one right under the temporary directory.
  const runroot = await mkdtemp(join(tmpdir(), 'pr-'));
  t.after(() => rm(runroot, { recursive: true, force: true }));
  const global = [
    '--root', join(dir, 'storage'), '--runroot', runroot, '--tmpdir', join(dir, 'tmp'),
    '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
  ];
  return (args) => run('podman', [...global, ...args], { env: { REGISTRY_AUTH_FILE: join(dir, 'auth.json') } });
}

/** How podman reaches this registry: its CA when it has TLS, otherwise no TLS verification. */
function tlsArgs(reg: Registry): string[] {
  return reg.certDir ? ['--cert-dir', join(reg.certDir, reg.host)] : ['--tls-verify=false'];
}

async function podmanDigest(podman: Podman, ref: string): Promise<string> {
  return (await ok(podman(['image', 'inspect', '--format', '{{.Digest}}', ref]))).stdout.trim();
}

interface Mode {
  auth: RegistryAuth;
  tls: boolean;
}
const modes: Mode[] = [
  { auth: 'none', tls: false },
  { auth: 'htpasswd', tls: true },
  { auth: 'token', tls: false },
];

/**
 * berth pushes, podman pulls; podman pushes, berth pulls; each side sees the digest the other
 * pushed, and what berth pulled from podman's push runs.
 */
async function roundTrip(t: { after(fn: () => Promise<void>): void }, reg: Registry): Promise<void> {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  const podman = await podmanIn(join(work.dir, 'podman'), t);
  const env = { DOCKER_CONFIG: join(work.dir, 'docker') };
  const alice = reg.users.find((u) => u.username === 'alice');
  if (alice) {
    await ok(berth(root, ['login', ...(reg.certDir ? ['--cert-dir', reg.certDir] : []), '-u', alice.username, '--password-stdin', reg.host], { env, input: alice.password }));
    const wrong = await podman(['login', ...tlsArgs(reg), '-u', alice.username, '-p', 'not-the-password', reg.host]);
    assert.notEqual(wrong.code, 0, 'podman login with a wrong password fails');
    await ok(podman(['login', ...tlsArgs(reg), '-u', alice.username, '-p', alice.password, reg.host]));
  }
  const berthCertDir = reg.certDir ? ['--cert-dir', reg.certDir] : [];

  // berth → podman
  const fromBerth = `${reg.host}/from-berth/bb:1`;
  await ok(berth(root, ['tag', 'busybox', fromBerth]));
  const pushed = await ok(berth(root, ['push', ...berthCertDir, fromBerth], { env }));
  const berthDigest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
  assert.ok(berthDigest, pushed.stdout);
  await ok(podman(['pull', '--quiet', ...tlsArgs(reg), fromBerth]));
  assert.equal(await podmanDigest(podman, fromBerth), berthDigest);

  // podman → berth: podman pushes the image it pulled under another name, compressing it itself.
  const fromPodman = `${reg.host}/from-podman/bb:2`;
  await ok(podman(['tag', fromBerth, fromPodman]));
  const digestFile = join(work.dir, 'podman-digest');
  await ok(podman(['push', '--quiet', ...tlsArgs(reg), '--digestfile', digestFile, fromPodman]));
  const podmanPushed = (await readFile(digestFile, 'utf8')).trim();
  const fresh = join(work.dir, 'fresh-root');
  const pulled = await ok(berth(fresh, ['pull', ...berthCertDir, fromPodman], { env }));
  assert.match(pulled.stdout, new RegExp(`Digest: ${podmanPushed}\n`));
  assert.equal((await ok(berth(fresh, ['run', '--rm', fromPodman, 'echo', 'pushed by podman']))).stdout, 'pushed by podman\n');
}

for (const mode of modes) {
  const label = `${mode.tls ? 'TLS + ' : ''}${mode.auth === 'none' ? 'open' : mode.auth}`;
  test(`podman and berth through the reference registry (${label}): same digests both ways`, async (t) => {
    const reg = await startRegistry({ tls: mode.tls, auth: mode.auth });
    t.after(() => reg.stop());
    await roundTrip(t, reg);
  });
  test(`podman and berth through berth's registry (${label}): same digests both ways`, async (t) => {
    const reg = await startBerthRegistry({ tls: mode.tls, auth: mode.auth });
    t.after(() => reg.stop());
    await roundTrip(t, reg);
  });
}
