// What this host can run: the cgroup layout and which OCI runtime works on it. crun refuses
// cgroup v1 controllers mounted next to a v2 hierarchy (the "hybrid" layout); runc handles all three.
import { statfsSync, existsSync } from 'node:fs';
import { invalidArgument } from '../errdefs/index.ts';

export type CgroupMode = 'unified' | 'hybrid' | 'legacy';

const CGROUP2_SUPER_MAGIC = 0x63677270;

export function cgroupMode(): CgroupMode {
  if (statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC) return 'unified';
  if (existsSync('/sys/fs/cgroup/unified') && statfsSync('/sys/fs/cgroup/unified').type === CGROUP2_SUPER_MAGIC) return 'hybrid';
  return 'legacy';
}

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findExecutable(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_PATH]) {
    const p = `${dir}/${name}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface RuntimeChoice {
  name: string;
  path: string;
}

/**
 * The runtime to use: the one asked for, else crun where it works (not on hybrid cgroups), else runc.
 */
export function chooseRuntime(requested?: string): RuntimeChoice {
  if (requested) {
    const path = findExecutable(requested);
    if (!path) throw invalidArgument(`unknown or invalid runtime name: ${requested}`);
    return { name: requested.split('/').pop() as string, path };
  }
  const crun = findExecutable('crun');
  if (crun && cgroupMode() !== 'hybrid') return { name: 'crun', path: crun };
  const runc = findExecutable('runc');
  if (runc) return { name: 'runc', path: runc };
  if (crun) return { name: 'crun', path: crun };
  throw invalidArgument('no OCI runtime found: install runc or crun');
}
