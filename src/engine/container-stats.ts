// `stats`: resource usage of a running container read from its cgroup (v1, hybrid or v2), in the
// shape of the Docker Engine API's /containers/{id}/stats. One reading: `precpu_stats` is empty
// and `preread` the zero time, as Docker's one-shot reading; whoever samples again computes rates.
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import {
  CLOCK_TICKS, cgroupDirs, cgroupPids, controllerDir, ioStatEntries, parseBlkio, parseFlatKeyed, parseNestedKeyed, parseNetDev,
  parseNumberList, parseProcStat, parseSingle, processesDir, readCgroupFile, type BlkioEntry, type CgroupDirs, type NetworkCounters,
} from '../runtime/index.ts';

export type { BlkioEntry, NetworkCounters };

export interface CpuStats {
  cpu_usage: {
    /** Nanoseconds of CPU time. */
    total_usage: number;
    /** Per CPU (cgroup v1 only). */
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  /** The host's CPU time in nanoseconds (/proc/stat). */
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface MemoryStats {
  usage?: number;
  /** cgroup v1 only. */
  max_usage?: number;
  /** memory.stat as the kernel names it (v1: cache, total_inactive_file…; v2: anon, file, inactive_file…). */
  stats?: Record<string, number>;
  failcnt?: number;
  /** The cgroup's limit, or the host's memory when there is none. */
  limit?: number;
}

export interface BlkioStats {
  io_service_bytes_recursive: BlkioEntry[] | null;
  io_serviced_recursive: BlkioEntry[] | null;
  io_queue_recursive: BlkioEntry[] | null;
  io_service_time_recursive: BlkioEntry[] | null;
  io_wait_time_recursive: BlkioEntry[] | null;
  io_merged_recursive: BlkioEntry[] | null;
  io_time_recursive: BlkioEntry[] | null;
  sectors_recursive: BlkioEntry[] | null;
}

export interface ContainerStats {
  /** "/name", as the API gives it. */
  name: string;
  id: string;
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: BlkioStats;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: MemoryStats;
  /** By interface, for a container with its own network namespace (none with --network host). */
  networks?: Record<string, NetworkCounters>;
}

export interface StatsTarget {
  id: string;
  /** Without the leading "/". */
  name: string;
  /** The spec's cgroupsPath (`/berth/<id>`). */
  cgroupsPath: string;
  /** The container's main process (its network namespace is read through it); 0 to find one in the cgroup. */
  pid: number;
  /** False for --network host, whose interfaces are the host's and not the container's. */
  ownNetwork: boolean;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's precpu_stats before a first reading. */
export function emptyCpuStats(): CpuStats {
  return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
}

export async function readContainerStats(target: StatsTarget): Promise<ContainerStats> {
  const dirs = cgroupDirs(target.cgroupsPath);
  const read = new Date().toISOString();
  const [pids, cpu, memory, blkio, networks] = await Promise.all([
    readPids(dirs), readCpu(dirs), readMemory(dirs), readBlkio(dirs), target.ownNetwork ? readNetworks(dirs, target.pid) : undefined,
  ]);
  // Docker's order of fields, so that the API can pass the value through as it is.
  return {
    read,
    preread: ZERO_TIME,
    pids_stats: pids,
    blkio_stats: blkio,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu,
    precpu_stats: emptyCpuStats(),
    memory_stats: memory,
    name: `/${target.name}`,
    id: target.id,
    ...(networks && Object.keys(networks).length > 0 ? { networks } : {}),
  };
}

async function readPids(dirs: CgroupDirs): Promise<ContainerStats['pids_stats']> {
  const dir = controllerDir(dirs, 'pids');
  const current = parseSingle(await readCgroupFile(dir, 'pids.current'));
  const limit = parseSingle(await readCgroupFile(dir, 'pids.max'));
  return { ...(current !== undefined ? { current } : {}), ...(limit !== undefined ? { limit } : {}) };
}

async function readCpu(dirs: CgroupDirs): Promise<CpuStats> {
  const stats = emptyCpuStats();
  const host = parseProcStat(await readFile('/proc/stat', 'utf8'));
  stats.system_cpu_usage = host.systemUsage;
  stats.online_cpus = host.onlineCpus;
  if (dirs.version === 2) {
    // v2's cpu.stat counts in microseconds, and has the usage even without the cpu controller.
    const s = parseFlatKeyed(await readCgroupFile(dirs.unified, 'cpu.stat'));
    stats.cpu_usage = { total_usage: (s.usage_usec ?? 0) * 1000, usage_in_kernelmode: (s.system_usec ?? 0) * 1000, usage_in_usermode: (s.user_usec ?? 0) * 1000 };
    stats.throttling_data = { periods: s.nr_periods ?? 0, throttled_periods: s.nr_throttled ?? 0, throttled_time: (s.throttled_usec ?? 0) * 1000 };
    return stats;
  }
  const acct = dirs.v1.cpuacct;
  const ticks = parseFlatKeyed(await readCgroupFile(acct, 'cpuacct.stat'));
  stats.cpu_usage = {
    total_usage: parseSingle(await readCgroupFile(acct, 'cpuacct.usage')) ?? 0,
    percpu_usage: parseNumberList(await readCgroupFile(acct, 'cpuacct.usage_percpu')),
    usage_in_kernelmode: ((ticks.system ?? 0) * 1e9) / CLOCK_TICKS,
    usage_in_usermode: ((ticks.user ?? 0) * 1e9) / CLOCK_TICKS,
  };
  const s = parseFlatKeyed(await readCgroupFile(dirs.v1.cpu, 'cpu.stat'));
  stats.throttling_data = { periods: s.nr_periods ?? 0, throttled_periods: s.nr_throttled ?? 0, throttled_time: s.throttled_time ?? 0 };
  return stats;
}

async function readMemory(dirs: CgroupDirs): Promise<MemoryStats> {
  // Docker's rule: a limit above the host's memory (that is, none) is shown as the host's memory.
  const machine = totalmem();
  const capped = (limit: number | undefined): number => (limit === undefined || limit > machine ? machine : limit);
  if (dirs.version === 2) {
    const dir = dirs.unified;
    const events = parseFlatKeyed(await readCgroupFile(dir, 'memory.events'));
    return {
      usage: parseSingle(await readCgroupFile(dir, 'memory.current')) ?? 0,
      stats: parseFlatKeyed(await readCgroupFile(dir, 'memory.stat')),
      ...(events.oom !== undefined ? { failcnt: events.oom } : {}),
      limit: capped(parseSingle(await readCgroupFile(dir, 'memory.max'))),
    };
  }
  const dir = dirs.v1.memory;
  return {
    usage: parseSingle(await readCgroupFile(dir, 'memory.usage_in_bytes')) ?? 0,
    max_usage: parseSingle(await readCgroupFile(dir, 'memory.max_usage_in_bytes')) ?? 0,
    stats: parseFlatKeyed(await readCgroupFile(dir, 'memory.stat')),
    failcnt: parseSingle(await readCgroupFile(dir, 'memory.failcnt')) ?? 0,
    limit: capped(parseSingle(await readCgroupFile(dir, 'memory.limit_in_bytes'))),
  };
}

async function readBlkio(dirs: CgroupDirs): Promise<BlkioStats> {
  const none = {
    io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null,
    io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
  };
  if (dirs.version === 2) {
    const io = parseNestedKeyed(await readCgroupFile(dirs.unified, 'io.stat'));
    return { io_service_bytes_recursive: ioStatEntries(io, 'rbytes', 'wbytes'), io_serviced_recursive: ioStatEntries(io, 'rios', 'wios'), ...none };
  }
  const dir = dirs.v1.blkio;
  // The throttle files count every I/O, whatever the scheduler; the _recursive ones include child cgroups.
  const first = async (...names: string[]): Promise<BlkioEntry[]> => {
    for (const n of names) {
      const text = await readCgroupFile(dir, n);
      if (text !== undefined) return parseBlkio(text);
    }
    return [];
  };
  return {
    io_service_bytes_recursive: await first('blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes', 'blkio.io_service_bytes_recursive'),
    io_serviced_recursive: await first('blkio.throttle.io_serviced_recursive', 'blkio.throttle.io_serviced', 'blkio.io_serviced_recursive'),
    ...none,
  };
}

/** The container's interfaces but loopback, as its process sees them. */
async function readNetworks(dirs: CgroupDirs, pid: number): Promise<Record<string, NetworkCounters> | undefined> {
  // A process of the cgroup: a recorded PID alone could by now be someone else's (it is the fallback
  // only when the cgroup cannot be read).
  const inCgroup = await pidsOf(dirs);
  const candidates = inCgroup.length === 0 ? [pid].filter((p) => p > 0) : inCgroup.includes(pid) ? [pid, ...inCgroup] : inCgroup;
  for (const p of candidates) {
    let text: string;
    try {
      text = await readFile(`/proc/${p}/net/dev`, 'utf8');
    } catch {
      continue; // that process has exited; try another of the container's
    }
    const all = parseNetDev(text);
    delete all.lo;
    return all;
  }
  return undefined;
}

async function pidsOf(dirs: CgroupDirs): Promise<number[]> {
  const dir = processesDir(dirs);
  return dir === undefined ? [] : cgroupPids(dir);
}
