// Shared helpers for end-to-end tests: a temporary --root per test, running the real berth CLI,
// and a busybox root filesystem built from the host's busybox-static (no registry needed).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, mkdir, writeFile, symlink, copyFile, chmod } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const berthBin = join(repo, 'bin', 'berth');

/** A temporary directory removed by the returned cleanup (use with t.after). */
export async function tempDir(prefix = 'berth-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: async () => {
    // A berth root in it keeps things on the host (a network's bridge and rules): reset it first.
    for (const root of networkRoots(dir)) await resetRoot(root);
    await rm(dir, { recursive: true, force: true });
  } };
}

/** The berth roots at most two levels below `dir` that made networks. */
function networkRoots(dir: string): string[] {
  const below = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }) : []).filter((e) => e.isDirectory()).map((e) => join(d, e.name));
  const candidates = below(dir).flatMap((d) => [d, ...below(d)]);
  return candidates.filter((d) => existsSync(join(d, 'meta', 'networks.json')));
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `berth --root ROOT ARGS...` and collects its output. */
export function berth(root: string, args: string[], opts: { input?: Buffer | string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return run(berthBin, ['--root', root, ...args], opts);
}

export function run(cmd: string, args: string[], opts: { input?: Buffer | string; env?: Record<string, string>; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  });
}

/** Fails with the command's output when it did not exit 0. */
export async function ok(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`command failed with exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A minimal root filesystem: the host's static busybox with its applet links, /etc/passwd and /etc/group. */
export async function makeBusyboxRootfs(dir: string): Promise<void> {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home', 'proc', 'sys', 'dev', 'var', 'usr/bin']) await mkdir(join(dir, d), { recursive: true });
  await copyFile('/bin/busybox', join(dir, 'bin', 'busybox'));
  await chmod(join(dir, 'bin', 'busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) await symlink('busybox', join(dir, 'bin', a)).catch(() => undefined);
  await writeFile(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(join(dir, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  await chmod(join(dir, 'tmp'), 0o1777);
}

/** A tar of the busybox root filesystem, made with GNU tar. */
export async function makeBusyboxTar(path: string): Promise<void> {
  const { dir, cleanup } = await tempDir('berth-rootfs-');
  try {
    await makeBusyboxRootfs(dir);
    execFileSync('tar', ['--numeric-owner', '-C', dir, '-cf', path, '.']);
  } finally {
    await cleanup();
  }
}

/** A fresh root with a busybox image imported as NAME (default busybox:latest). */
export async function rootWithBusybox(name = 'busybox:latest'): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const tar = join(dir, 'rootfs.tar');
  await makeBusyboxTar(tar);
  const root = join(dir, 'root');
  await ok(berth(root, ['import', '--change', 'CMD ["sh"]', tar, name]));
  return { root, cleanup: async () => {
    await removeContainers(root);
    await cleanup(); // resets the root
  } };
}

/** Takes a root and all it keeps on the host away (`system reset`: containers, the networks' bridges and rules, mounts). */
export async function resetRoot(root: string): Promise<void> {
  await removeContainers(root);
  if (existsSync(root)) await ok(berth(root, ['system', 'reset', '-f']));
}

/** Removes every container of a root (conmon, runtime state, mounts), so a test leaves nothing running. */
export async function removeContainers(root: string): Promise<void> {
  const ids = (await berth(root, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await berth(root, ['rm', '-f', ...ids]);
  await processesGone(root);
}

/**
 * Waits (up to 10 s) until no process names `root` on its command line. conmon starts its exit
 * command (`berth container cleanup`) as it exits and does not wait for it: deleting the root
 * under a cleanup that is still starting would let it recreate parts of the root.
 */
export async function processesGone(root: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const busy = readdirSync('/proc').some((pid) => {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(root);
      } catch {
        return false;
      }
    });
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
