// The flags `create` and `run` share, and their translation into the engine's CreateOptions.
import { readFileSync } from 'node:fs';
import type { FlagSpec, FlagValues } from '../../args.ts';
import { UsageError } from '../../args.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import type { CreateOptions, MountSpec } from '../../../engine/index.ts';
import { parseBytes } from '../../format/index.ts';

/** Cgroup limits: `run`/`create` and `update` share them. */
export const RESOURCE_FLAGS: FlagSpec[] = [
  { name: 'memory', short: 'm', type: 'string', value: 'bytes', help: 'Memory limit' },
  { name: 'memory-swap', type: 'string', value: 'bytes', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { name: 'cpus', type: 'string', value: 'decimal', help: 'Number of CPUs' },
  { name: 'cpu-shares', short: 'c', type: 'int', value: 'int', help: 'CPU shares (relative weight)' },
  { name: 'pids-limit', type: 'int', value: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
];

export const CREATE_FLAGS: FlagSpec[] = [
  { name: 'name', type: 'string', value: 'string', help: 'Assign a name to the container' },
  { name: 'pull', type: 'string', value: 'string', default: 'missing', help: 'Pull image before running ("always", "missing", "never")' },
  { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress the pull output' },
  { name: 'env', short: 'e', type: 'list', value: 'list', help: 'Set environment variables' },
  { name: 'env-file', type: 'list', value: 'list', help: 'Read in a file of environment variables' },
  { name: 'workdir', short: 'w', type: 'string', value: 'string', help: 'Working directory inside the container' },
  { name: 'user', short: 'u', type: 'string', value: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'group-add', type: 'list', value: 'list', help: 'Add additional groups to join' },
  { name: 'entrypoint', type: 'string', value: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'label', short: 'l', type: 'list', value: 'list', help: 'Set meta data on a container' },
  { name: 'hostname', short: 'h', type: 'string', value: 'string', help: 'Container host name' },
  { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open even if not attached' },
  { name: 'tty', short: 't', type: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'init', type: 'bool', help: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'stop-signal', type: 'string', value: 'string', help: 'Signal to stop the container' },
  { name: 'stop-timeout', type: 'int', value: 'int', help: 'Timeout (in seconds) to stop a container' },
  { name: 'rm', type: 'bool', help: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'restart', type: 'string', value: 'string', help: 'Restart policy to apply when a container exits (default "no")' },
  { name: 'privileged', type: 'bool', help: 'Give extended privileges to this container' },
  { name: 'read-only', type: 'bool', help: "Mount the container's root filesystem as read only" },
  { name: 'cap-add', type: 'list', value: 'list', help: 'Add Linux capabilities' },
  { name: 'cap-drop', type: 'list', value: 'list', help: 'Drop Linux capabilities' },
  { name: 'security-opt', type: 'list', value: 'list', help: 'Security Options' },
  { name: 'ulimit', type: 'list', value: 'ulimit', help: 'Ulimit options' },
  ...RESOURCE_FLAGS,
  { name: 'add-host', type: 'list', value: 'list', help: 'Add a custom host-to-IP mapping (host:ip)' },
  { name: 'dns', type: 'list', value: 'list', help: 'Set custom DNS servers' },
  { name: 'dns-search', type: 'list', value: 'list', help: 'Set custom DNS search domains' },
  { name: 'dns-option', type: 'list', value: 'list', help: 'Set DNS options' },
  { name: 'network-alias', type: 'list', value: 'list', help: 'Add network-scoped alias for the container' },
  { name: 'ip', type: 'string', value: 'string', help: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'publish', short: 'p', type: 'list', value: 'list', help: "Publish a container's port(s) to the host" },
  { name: 'publish-all', short: 'P', type: 'bool', help: 'Publish all exposed ports to random ports' },
  { name: 'expose', type: 'list', value: 'list', help: 'Expose a port or a range of ports' },
  { name: 'volume', short: 'v', type: 'list', value: 'list', help: 'Bind mount a volume' },
  { name: 'mount', type: 'list', value: 'mount', help: 'Attach a filesystem mount to the container' },
  { name: 'tmpfs', type: 'list', value: 'list', help: 'Mount a tmpfs directory' },
  { name: 'volumes-from', type: 'list', value: 'list', help: 'Mount volumes from the specified container(s)' },
  { name: 'network', type: 'string', value: 'network', help: 'Connect a container to a network: bridge (the default), a network made with network create, host, none, or container:NAME' },
  { name: 'net', type: 'string', value: 'network', help: 'Connect a container to a network', hidden: true },
  { name: 'runtime', type: 'string', value: 'string', help: 'Runtime to use for this container (runc, crun)' },
  { name: 'attach', short: 'a', type: 'list', value: 'list', help: 'Attach to STDIN, STDOUT or STDERR' },
];

/** KEY=VALUE lines; a bare KEY takes the value from berth's own environment (as Docker does). */
export function parseEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`open ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  return text.split('\n').flatMap((raw) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return [];
    return [expandEnv(line)];
  });
}

/** `-e NAME` (no '='): the value comes from this environment, or the variable is left out. */
export function expandEnv(kv: string): string {
  if (kv.includes('=')) return kv;
  const v = process.env[kv];
  return v === undefined ? kv : `${kv}=${v}`;
}

function labels(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const eq = l.indexOf('=');
    out[eq === -1 ? l : l.slice(0, eq)] = eq === -1 ? '' : l.slice(eq + 1);
  }
  return out;
}

function bytes(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (v === '-1') return -1;
  try {
    return parseBytes(v as string);
  } catch {
    throw new UsageError(`invalid argument "${v as string}" for "--${flag}" flag: invalid size: '${v as string}'`);
  }
}

export function resourceOptions(flags: FlagValues): Pick<CreateOptions, 'memory' | 'memorySwap' | 'cpus' | 'cpuShares' | 'pidsLimit'> {
  const cpus = flags.cpus === undefined ? undefined : Number(flags.cpus);
  if (cpus !== undefined && Number.isNaN(cpus)) throw new UsageError(`invalid argument "${flags.cpus as string}" for "--cpus" flag: failed to parse ${flags.cpus as string} as a rational number`);
  return {
    memory: bytes(flags.memory, 'memory'),
    memorySwap: bytes(flags['memory-swap'], 'memory-swap'),
    cpus,
    cpuShares: flags['cpu-shares'] as number | undefined,
    pidsLimit: flags['pids-limit'] as number | undefined,
  };
}

export function createOptions(flags: FlagValues, image: string, cmd: string[]): CreateOptions {
  const list = (k: string): string[] => (flags[k] as string[] | undefined) ?? [];
  const attach = list('attach').map((a) => a.toLowerCase());
  for (const a of attach) if (!['stdin', 'stdout', 'stderr'].includes(a)) throw new UsageError(`invalid argument "${a}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
  return {
    image,
    cmd,
    name: flags.name as string | undefined,
    env: [...list('env-file').flatMap(parseEnvFile), ...list('env').map(expandEnv)],
    workdir: flags.workdir as string | undefined,
    user: flags.user as string | undefined,
    groupAdd: list('group-add'),
    entrypoint: flags.entrypoint as string | undefined,
    labels: labels(list('label')),
    hostname: flags.hostname as string | undefined,
    tty: flags.tty === true,
    openStdin: flags.interactive === true,
    attach: attach.length > 0 ? { stdin: attach.includes('stdin'), stdout: attach.includes('stdout'), stderr: attach.includes('stderr') } : undefined,
    init: flags.init === true ? true : undefined,
    stopSignal: flags['stop-signal'] as string | undefined,
    stopTimeout: flags['stop-timeout'] as number | undefined,
    autoRemove: flags.rm === true,
    restart: flags.restart as string | undefined,
    privileged: flags.privileged === true,
    readOnly: flags['read-only'] === true,
    capAdd: list('cap-add'),
    capDrop: list('cap-drop'),
    securityOpt: list('security-opt'),
    ulimits: list('ulimit'),
    ...resourceOptions(flags),
    network: (flags.network ?? flags.net) as string | undefined,
    runtime: flags.runtime as string | undefined,
    binds: flags.volume as string[],
    publish: flags.publish as string[],
    addHosts: flags['add-host'] as string[],
    dns: flags.dns as string[],
    dnsSearch: flags['dns-search'] as string[],
    dnsOptions: flags['dns-option'] as string[],
    networkAliases: flags['network-alias'] as string[],
    ip: flags.ip as string | undefined,
    publishAll: flags['publish-all'] === true,
    expose: flags.expose as string[],
    mounts: (flags.mount as string[]).map(parseMount),
    tmpfs: flags.tmpfs as string[],
    volumesFrom: flags['volumes-from'] as string[],
  };
}

/** Docker prints a failed start as `docker: Error response from daemon: …` and exits 125, 126 or 127. */
/** `--mount type=…,source=…,target=…,…` as docker/cli's MountOpt reads it. */
export function parseMount(spec: string): MountSpec {
  const f: Record<string, string> = {};
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq === -1 ? undefined : field.slice(eq + 1);
    // Flags that may stand alone mean true.
    if (value === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'].includes(key)) throw new UsageError(`invalid argument "${spec}" for "--mount" flag: invalid field '${field}' must be a key=value pair`);
    f[key] = value ?? 'true';
  }
  const type = f.type ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw new UsageError(`invalid argument "${spec}" for "--mount" flag: invalid type '${type}'`);
  const target = f.target ?? f.destination ?? f.dst;
  if (!target) throw new UsageError(`invalid argument "${spec}" for "--mount" flag: target is required`);
  const truth = (v: string | undefined): boolean => v === 'true' || v === '1';
  const readOnly = truth(f.readonly ?? f.ro);
  // The Mode inspect shows: Docker's "z" for a writable volume, "" otherwise.
  const m: MountSpec = { Type: type, Target: target, ReadOnly: readOnly, Mode: type === 'volume' && !readOnly ? 'z' : '' };
  const source = f.source ?? f.src;
  if (source !== undefined) m.Source = source;
  if (type === 'bind' && source === undefined) throw new UsageError(`invalid argument "${spec}" for "--mount" flag: source is required when type is bind`);
  if (f['bind-propagation']) m.BindOptions = { Propagation: f['bind-propagation'] };
  if (truth(f['volume-nocopy'])) m.VolumeOptions = { NoCopy: true };
  if (type === 'volume' && source === undefined) m.Anonymous = true;
  if (f['tmpfs-size'] || f['tmpfs-mode']) m.TmpfsOptions = { ...(f['tmpfs-size'] ? { SizeBytes: parseBytes(f['tmpfs-size']) } : {}), ...(f['tmpfs-mode'] ? { Mode: parseInt(f['tmpfs-mode'], 8) } : {}) };
  return m;
}

export function asRunError(err: unknown): unknown {
  if (err instanceof BerthError) return new StatusError(err.exitStatus ?? 125, `berth: Error: ${err.message}`);
  return err;
}
