// From what the user asked (CreateOptions) to what is recorded (HostConfig) and what the runtime
// gets (rlimits, cgroup resources, security settings). Pure, so each rule is unit-tested.
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../errdefs/index.ts';
import type { HostConfig } from '../meta/index.ts';
import { normalizeCapability, type LinuxResources, type Rlimit } from '../runtime/index.ts';
import type { CreateOptions } from './types.ts';

const RESTART = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/;

export function restartPolicy(value: string | undefined): HostConfig['RestartPolicy'] {
  if (!value || value === 'no') return { Name: 'no', MaximumRetryCount: 0 };
  const m = RESTART.exec(value);
  if (!m) throw invalidArgument(`invalid restart policy format: ${value}`);
  if (m[2] !== undefined && m[1] !== 'on-failure') throw invalidArgument(`invalid restart policy format: maximum retry count cannot be used with restart policy '${m[1] as string}'`);
  return { Name: m[1] as string, MaximumRetryCount: Number(m[2] ?? 0) };
}

const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack', 'as'];

/** `nofile=1024:2048` → Docker's Ulimit record. */
export function parseUlimit(text: string): { Name: string; Soft: number; Hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(text);
  if (!m) throw invalidArgument(`invalid ulimit argument: ${text}`);
  const name = m[1] as string;
  if (!ULIMIT_NAMES.includes(name)) throw invalidArgument(`invalid ulimit type: ${name}`);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (soft > hard && hard !== -1) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** This process's hard limits from /proc/self/limits (Node has no getrlimit). -1 is unlimited. */
export function hostHardLimits(text = readFileSync('/proc/self/limits', 'utf8')): Map<string, number> {
  const names: Record<string, string> = {
    'Max cpu time': 'cpu', 'Max file size': 'fsize', 'Max data size': 'data', 'Max stack size': 'stack', 'Max core file size': 'core',
    'Max resident set': 'rss', 'Max processes': 'nproc', 'Max open files': 'nofile', 'Max locked memory': 'memlock',
    'Max address space': 'as', 'Max file locks': 'locks', 'Max pending signals': 'sigpending', 'Max msgqueue size': 'msgqueue',
    'Max nice priority': 'nice', 'Max realtime priority': 'rtprio', 'Max realtime timeout': 'rttime',
  };
  const out = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const key = Object.keys(names).find((k) => line.startsWith(k));
    if (!key) continue;
    const fields = line.slice(key.length).trim().split(/\s+/);
    out.set(names[key] as string, fields[1] === 'unlimited' ? -1 : Number(fields[1]));
  }
  return out;
}

/** rlimits for the spec; a hard limit above the host's is refused (the kernel would refuse it at start). */
export function rlimits(ulimits: HostConfig['Ulimits'], hostHard: Map<string, number>): Rlimit[] {
  return (ulimits ?? []).map((u) => {
    const max = hostHard.get(u.Name);
    const above = (v: number): boolean => max !== undefined && max !== -1 && (v === -1 || v > max);
    if (above(u.Hard)) throw invalidArgument(`ulimit ${u.Name}: hard limit ${u.Hard === -1 ? 'unlimited' : u.Hard} is above the host's hard limit ${String(max)}`);
    const v = (x: number): number => (x === -1 ? Number.MAX_SAFE_INTEGER : x);
    return { type: `RLIMIT_${u.Name.toUpperCase()}`, soft: v(u.Soft), hard: v(u.Hard) };
  });
}

export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** 'default', 'unconfined', or a profile's JSON text. */
  seccomp: 'default' | 'unconfined' | { profile: unknown };
}

export function securityOptions(opts: string[] | null | undefined): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: 'default' };
  for (const o of opts ?? []) {
    const [key = '', value] = o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : o.split(':', 2);
    if (key === 'no-new-privileges') {
      if (value !== undefined && value !== 'true' && value !== 'false') throw invalidArgument(`invalid --security-opt: ${o}`);
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp' && value !== undefined) {
      if (value === 'unconfined') out.seccomp = 'unconfined';
      else {
        try {
          out.seccomp = { profile: JSON.parse(readFileSync(value, 'utf8')) };
        } catch (err) {
          throw invalidArgument(`opening seccomp profile (${value}) failed: ${(err as Error).message}`);
        }
      }
    } else if (key === 'label' || key === 'apparmor') {
      // No SELinux or AppArmor on berth's hosts yet: accepted and ignored, as Docker does without them.
    } else {
      throw invalidArgument(`invalid --security-opt: ${o}`);
    }
  }
  return out;
}

export function resources(h: HostConfig): LinuxResources {
  const r: LinuxResources = {};
  if (h.Memory > 0 || h.MemorySwap !== 0) {
    if (h.Memory > 0 && h.Memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
    const swap = h.MemorySwap === -1 ? -1 : h.MemorySwap > 0 ? h.MemorySwap : h.Memory > 0 ? h.Memory * 2 : undefined;
    if (swap !== undefined && swap !== -1 && h.Memory > 0 && swap < h.Memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
    r.memory = { ...(h.Memory > 0 ? { limit: h.Memory } : {}), ...(swap !== undefined ? { swap } : {}) };
  }
  if (h.NanoCpus > 0 || h.CpuShares > 0) {
    r.cpu = {
      ...(h.CpuShares > 0 ? { shares: h.CpuShares } : {}),
      ...(h.NanoCpus > 0 ? { period: 100000, quota: Math.round((h.NanoCpus / 1e9) * 100000) } : {}),
    };
  }
  if (h.PidsLimit !== null && h.PidsLimit > 0) r.pids = { limit: h.PidsLimit };
  return r;
}

export function hostConfig(o: CreateOptions, runtimeName: string): HostConfig {
  // Docker's default: the bridge network.
  const network = o.network ?? 'bridge';
  if (network.startsWith('container:') && (o.publish?.length || o.publishAll)) throw invalidArgument('conflicting options: port publishing and the container type network mode');
  if (o.cpus !== undefined && !(o.cpus > 0)) throw invalidArgument(`invalid argument "${o.cpus}" for "--cpus" flag: must be greater than 0`);
  const h: HostConfig = {
    AutoRemove: o.autoRemove ?? false,
    Privileged: o.privileged ?? false,
    ReadonlyRootfs: o.readOnly ?? false,
    CapAdd: o.capAdd && o.capAdd.length > 0 ? o.capAdd.map(normalizeCapability) : null,
    CapDrop: o.capDrop && o.capDrop.length > 0 ? o.capDrop.map(normalizeCapability) : null,
    SecurityOpt: o.securityOpt && o.securityOpt.length > 0 ? o.securityOpt : null,
    Init: o.init ?? null,
    RestartPolicy: restartPolicy(o.restart),
    NetworkMode: network,
    Runtime: runtimeName,
    Memory: o.memory ?? 0,
    MemorySwap: o.memorySwap ?? 0,
    NanoCpus: o.cpus ? Math.round(o.cpus * 1e9) : 0,
    CpuShares: o.cpuShares ?? 0,
    PidsLimit: o.pidsLimit ?? null,
    Ulimits: o.ulimits && o.ulimits.length > 0 ? o.ulimits.map(parseUlimit) : null,
    GroupAdd: o.groupAdd && o.groupAdd.length > 0 ? o.groupAdd : null,
  };
  if (h.AutoRemove && h.RestartPolicy.Name !== 'no') throw invalidArgument('conflicting options: cannot specify both --restart and --rm');
  securityOptions(h.SecurityOpt); // validated now, applied at start
  resources(h);
  return h;
}

