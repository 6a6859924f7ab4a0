// Reading a container's cgroup: where its directory is in each hierarchy (cgroup v1, hybrid or
// v2), the kernel's file formats, and the /proc counters Docker's stats set beside them.
// Parsers are pure (and tested); the readers treat a missing file as "not available here".
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One cgroup filesystem mount from /proc/self/mountinfo. */
export interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  /** The cgroup that appears at the mount point ("/" unless a namespace or bind mount moved it). */
  root: string;
  /** v1 controllers of the hierarchy ("cpu", "memory", "name=systemd"); none for v2. */
  controllers: string[];
}

const V1_CONTROLLERS = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc']);

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash < 6) continue;
    const type = f[dash + 1];
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    const superOpts = (f[dash + 3] ?? '').split(',');
    mounts.push({
      version: type === 'cgroup2' ? 2 : 1,
      mountPoint: unescapeMount(f[4] as string),
      root: unescapeMount(f[3] as string),
      controllers: type === 'cgroup2' ? [] : superOpts.filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name=')),
    });
  }
  return mounts;
}

/** A container's directories in the host's cgroup hierarchies. */
export interface CgroupDirs {
  /** 2 when the controllers live in the v2 hierarchy (pure v2), 1 on legacy and hybrid hosts. */
  version: 1 | 2;
  /** The v2 directory: the whole cgroup on v2, the unified hierarchy of a hybrid host. */
  unified?: string;
  /** v1 directories by controller. */
  v1: Record<string, string>;
}

/**
 * The directories of `cgroupsPath` (the spec's absolute cgroupsPath, which runc and crun resolve
 * against each hierarchy's root). A hierarchy mounted twice counts once: the mount of its root.
 */
export function cgroupDirs(cgroupsPath: string, mounts: CgroupMount[] = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'))): CgroupDirs {
  const v1: Record<string, string> = {};
  let unified: string | undefined;
  // Mounts of a hierarchy's root first, so that a bind mount of a sub-cgroup is used only when nothing else shows it.
  for (const m of [...mounts].sort((a, b) => Number(b.root === '/') - Number(a.root === '/'))) {
    if (m.version === 2) unified ??= join(m.mountPoint, cgroupsPath);
    else for (const c of m.controllers) v1[c] ??= join(m.mountPoint, cgroupsPath);
  }
  const hasV1Controllers = Object.keys(v1).some((c) => !c.startsWith('name='));
  return { version: hasV1Controllers || unified === undefined ? 1 : 2, ...(unified !== undefined ? { unified } : {}), v1 };
}

/** The directory holding `controller`'s files: its v1 hierarchy, or the v2 one on a v2 host. */
export function controllerDir(dirs: CgroupDirs, controller: string): string | undefined {
  return dirs.version === 2 ? dirs.unified : dirs.v1[controller];
}

/** Where the container's processes are listed: the v2 cgroup, or the pids hierarchy on v1 (any other v1 one without it). */
export function processesDir(dirs: CgroupDirs): string | undefined {
  if (dirs.version === 2) return dirs.unified;
  return dirs.v1.pids ?? dirs.v1.freezer ?? dirs.v1.memory ?? dirs.v1.cpu ?? Object.values(dirs.v1)[0] ?? dirs.unified;
}

/** A cgroup file's text, or undefined when this kernel or hierarchy does not have it. */
export async function readCgroupFile(dir: string | undefined, name: string): Promise<string | undefined> {
  if (dir === undefined) return undefined;
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'EOPNOTSUPP' || code === 'ENOTSUP' || code === 'EINVAL') return undefined;
    throw err;
  }
}

/** The PIDs in the cgroup and every cgroup below it. */
export async function cgroupPids(dir: string): Promise<number[]> {
  const text = await readCgroupFile(dir, 'cgroup.procs');
  if (text === undefined) return [];
  const pids = parsePidList(text);
  let children: string[] = [];
  try {
    children = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    // The cgroup went away meanwhile: what was read is all there is.
  }
  for (const child of children) pids.push(...(await cgroupPids(join(dir, child))));
  return pids;
}

/** cgroup.procs: one PID a line. */
export function parsePidList(text: string): number[] {
  return text.split('\n').filter((l) => /^\d+$/.test(l.trim())).map((l) => Number(l));
}

/** A single-value file (memory.max, pids.max, memory.limit_in_bytes): a number, or undefined for "max". */
export function parseSingle(text: string | undefined): number | undefined {
  const t = text?.trim();
  if (t === undefined || !/^\d+$/.test(t)) return undefined;
  return Number(t);
}

/** Space-separated numbers on one line (cpuacct.usage_percpu). */
export function parseNumberList(text: string | undefined): number[] {
  return (text ?? '').trim().split(/\s+/).filter((v) => /^\d+$/.test(v)).map(Number);
}

/** Flat-keyed files, one "key value" a line (memory.stat, cpu.stat, cpuacct.stat, memory.events). */
export function parseFlatKeyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key && value !== undefined && extra === undefined && /^\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** Nested-keyed files, "key sub=value sub=value" a line (io.stat): key → sub-key → value. */
export function parseNestedKeyed(text: string | undefined): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const line of (text ?? '').split('\n')) {
    const [key, ...pairs] = line.trim().split(/\s+/);
    if (!key) continue;
    const values: Record<string, number> = {};
    for (const p of pairs) {
      const eq = p.indexOf('=');
      if (eq > 0 && /^\d+$/.test(p.slice(eq + 1))) values[p.slice(0, eq)] = Number(p.slice(eq + 1));
    }
    out.set(key, values);
  }
  return out;
}

/** A block I/O counter in Docker's shape. */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** cgroup v1 blkio files: "8:0 Read 4096" lines, and a closing "Total N" that Docker leaves out. */
export function parseBlkio(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3] as string, value: Number(m[4]) });
  }
  return out;
}

/** cgroup v2 io.stat as Docker turns it into v1's shape: rbytes/wbytes (or rios/wios) as "read" and "write". */
export function ioStatEntries(ioStat: Map<string, Record<string, number>>, read: string, write: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const [dev, values] of ioStat) {
    const m = /^(\d+):(\d+)$/.exec(dev);
    if (!m) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if (values[read] !== undefined) out.push({ major, minor, op: 'read', value: values[read] });
    if (values[write] !== undefined) out.push({ major, minor, op: 'write', value: values[write] });
  }
  return out;
}

/** The kernel's USER_HZ: what /proc/stat and cpuacct.stat count in (100 on every Linux Docker supports). */
export const CLOCK_TICKS = 100;

/**
 * /proc/stat as Docker reads it: the host's CPU time in nanoseconds (user through softirq of the
 * "cpu" line) and the number of CPUs online (its "cpuN" lines).
 */
export function parseProcStat(text: string): { systemUsage: number; onlineCpus: number } {
  let systemUsage = 0;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') systemUsage = (f.slice(1, 8).reduce((s, v) => s + Number(v), 0) * 1e9) / CLOCK_TICKS;
    else if (/^cpu\d+$/.test(f[0] ?? '')) onlineCpus++;
  }
  return { systemUsage, onlineCpus };
}

/** An interface's counters as Docker's stats name them. */
export interface NetworkCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** /proc/<pid>/net/dev: interface → counters (receive columns first, then transmit). */
export function parseNetDev(text: string): Record<string, NetworkCounters> {
  const out: Record<string, NetworkCounters> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const v = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || v.length < 16 || v.some((n) => Number.isNaN(n))) continue;
    const at = (i: number): number => v[i] as number;
    out[name] = {
      rx_bytes: at(0), rx_packets: at(1), rx_errors: at(2), rx_dropped: at(3),
      tx_bytes: at(8), tx_packets: at(9), tx_errors: at(10), tx_dropped: at(11),
    };
  }
  return out;
}
