// OCI runtime-spec generation: a pure function from what the image says and what the user asked
// to the config.json the runtime reads. Docker's defaults throughout (mounts, masked paths,
// capabilities, namespaces), so a program sees the same container under berth as under Docker.
import { invalidArgument } from '../errdefs/index.ts';
import type { ResolvedUser } from './user.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Mount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface LinuxResources {
  memory?: { limit?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
  devices?: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
}

export interface ConsoleSize {
  height: number;
  width: number;
}

export interface SpecInput {
  rootfs: string;
  readonlyRootfs: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  hostname: string;
  terminal: boolean;
  /** The terminal's first size, set by the runtime before the process starts (no race with a resize). */
  consoleSize?: ConsoleSize;
  capabilities: string[];
  noNewPrivileges: boolean;
  privileged: boolean;
  rlimits: Rlimit[];
  /** Extra mounts after the standard ones (the /etc files, volumes, binds). */
  mounts: Mount[];
  cgroupsPath: string;
  resources: LinuxResources;
  seccomp?: unknown;
  /** 'private': a new network namespace (loopback only); 'host': the host's; a path: that namespace (a CNI network's). */
  network: 'private' | 'host' | { path: string };
  /** A cgroup namespace of its own (Docker's default on cgroup v2, off on v1). */
  cgroupNamespace: boolean;
  annotations?: Record<string, string>;
}

/** The process arguments from the image config and the run options, by Docker's rules. */
export function commandLine(image: { Entrypoint?: string[] | null; Cmd?: string[] | null }, opts: { entrypoint?: string; args?: string[] }): string[] {
  let entrypoint = image.Entrypoint ?? [];
  let cmd = image.Cmd ?? [];
  if (opts.entrypoint !== undefined) {
    entrypoint = opts.entrypoint === '' ? [] : [opts.entrypoint];
    cmd = []; // a new entrypoint drops the image's CMD, as Docker does
  }
  if (opts.args && opts.args.length > 0) cmd = opts.args;
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) throw invalidArgument('no command specified');
  return argv;
}

/** The environment: the image's, then the user's (same name replaces), plus PATH, HOSTNAME, HOME, TERM. */
export function environment(image: string[] | null | undefined, user: string[], extra: { hostname: string; home: string; tty: boolean }): string[] {
  const env = new Map<string, string>();
  const put = (kv: string): void => {
    const eq = kv.indexOf('=');
    env.set(eq === -1 ? kv : kv.slice(0, eq), kv);
  };
  if (!(image ?? []).some((kv) => kv.startsWith('PATH='))) put(`PATH=${DEFAULT_PATH}`);
  put(`HOSTNAME=${extra.hostname}`);
  for (const kv of image ?? []) put(kv);
  if (extra.tty) put('TERM=xterm');
  for (const kv of user) put(kv);
  if (!env.has('HOME')) put(`HOME=${extra.home}`);
  return [...env.values()].filter((kv) => kv.includes('='));
}

const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function standardMounts(privileged: boolean): Mount[] {
  const ro = privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ro] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  ];
}

export function generateSpec(i: SpecInput): Record<string, unknown> {
  const caps = i.capabilities;
  const namespaces: { type: string; path?: string }[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (i.network === 'private') namespaces.push({ type: 'network' });
  else if (typeof i.network === 'object') namespaces.push({ type: 'network', path: i.network.path });
  if (i.cgroupNamespace) namespaces.push({ type: 'cgroup' });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: i.terminal,
      ...(i.terminal && i.consoleSize ? { consoleSize: i.consoleSize } : {}),
      user: { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids.length > 0 ? { additionalGids: i.user.additionalGids } : {}) },
      args: i.args,
      env: i.env,
      cwd: i.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      ...(i.rlimits.length > 0 ? { rlimits: i.rlimits } : {}),
      noNewPrivileges: i.noNewPrivileges,
      oomScoreAdj: 0,
    },
    root: { path: i.rootfs, readonly: i.readonlyRootfs },
    hostname: i.hostname,
    mounts: [...standardMounts(i.privileged), ...i.mounts],
    ...(i.annotations ? { annotations: i.annotations } : {}),
    linux: {
      cgroupsPath: i.cgroupsPath,
      namespaces,
      resources: { devices: [{ allow: i.privileged, access: 'rwm' }], ...i.resources },
      ...(i.privileged ? {} : { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
      ...(i.seccomp && !i.privileged ? { seccomp: i.seccomp } : {}),
    },
  };
}

/** The `process` of a spec, as `exec --process` takes it. */
export interface SpecProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  [key: string]: unknown;
}

export interface ExecInput {
  args: string[];
  env: string[];
  cwd?: string;
  user?: ResolvedUser;
  terminal: boolean;
  consoleSize?: ConsoleSize;
  /** All capabilities (`exec --privileged`). */
  capabilities?: string[];
}

/** An exec'd process: the container's own process settings with the exec's overrides (Docker's rules). */
export function execProcess(base: SpecProcess, i: ExecInput): SpecProcess {
  const env = new Map<string, string>();
  for (const kv of [...base.env, ...(i.terminal ? ['TERM=xterm'] : []), ...i.env]) {
    const eq = kv.indexOf('=');
    env.set(eq === -1 ? kv : kv.slice(0, eq), kv);
  }
  const user = i.user ? { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids.length > 0 ? { additionalGids: i.user.additionalGids } : {}) } : base.user;
  if (i.user && !i.env.some((kv) => kv.startsWith('HOME='))) env.set('HOME', `HOME=${i.user.home}`);
  const caps = i.capabilities;
  return {
    ...base,
    terminal: i.terminal,
    // Never the container's first size: that is long out of date (undefined drops it from the JSON).
    consoleSize: i.terminal ? i.consoleSize : undefined,
    args: i.args,
    env: [...env.values()].filter((kv) => kv.includes('=')),
    cwd: i.cwd || base.cwd,
    user,
    ...(caps ? { capabilities: { bounding: caps, effective: caps, permitted: caps } } : {}),
  };
}
