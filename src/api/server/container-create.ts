// POST /containers/create: the body (Config with HostConfig and NetworkingConfig beside it, as
// moby's ContainerConfigWrapper) checked the way dockerd's decoder checks it, then translated to
// the engine's CreateOptions — the same options `berth run`'s flags become.
import { invalidArgument } from '../../errdefs/index.ts';
import type { CreateOptions, MountSpec, TerminalSize } from '../../engine/index.ts';
import { anyValue, bool, int, list, mapOf, object, str, stringMap, strings, type Check } from './schema.ts';

/** Docker's strslice.StrSlice: a list of strings, or one string. */
const strSlice: Check<string[] | undefined> = (v, f) => {
  if (typeof v === 'string') return [v];
  if (v !== undefined && v !== null && !Array.isArray(v)) str(v, f); // Go's last try is a string: its error names that type
  return strings(v, f);
};

const portBinding = object('PortBinding', { HostIp: str, HostPort: str });

const mount = object('Mount', {
  Type: str,
  Source: str,
  Target: str,
  ReadOnly: bool,
  BindOptions: object('BindOptions', { Propagation: str }),
  VolumeOptions: object('VolumeOptions', { NoCopy: bool }),
  TmpfsOptions: object('TmpfsOptions', { SizeBytes: int, Mode: int }),
});

const hostConfig = object('HostConfig', {
  Binds: strings,
  Mounts: list(mount, '[]mount.Mount'),
  Tmpfs: stringMap,
  PortBindings: mapOf(list(portBinding, '[]nat.PortBinding'), 'nat.PortMap'),
  PublishAllPorts: bool,
  NetworkMode: str,
  RestartPolicy: object('RestartPolicy', { Name: str, MaximumRetryCount: int }),
  AutoRemove: bool,
  Memory: int,
  MemorySwap: int,
  NanoCpus: int,
  CpuShares: int,
  PidsLimit: int,
  CapAdd: strSlice,
  CapDrop: strSlice,
  Privileged: bool,
  ReadonlyRootfs: bool,
  SecurityOpt: strings,
  Ulimits: list(object('Ulimit', { Name: str, Soft: int, Hard: int }), '[]*units.Ulimit'),
  Dns: strings,
  DnsSearch: strings,
  DnsOptions: strings,
  ExtraHosts: strings,
  VolumesFrom: strings,
  Init: bool,
  GroupAdd: strings,
  Runtime: str,
  ConsoleSize: list(int, '[2]uint'),
});

const endpoint = object('EndpointSettings', {
  Aliases: strings,
  IPAMConfig: object('EndpointIPAMConfig', { IPv4Address: str, IPv6Address: str }),
});

const createBody = object('ContainerConfigWrapper', {
  Hostname: str,
  Domainname: str,
  User: str,
  AttachStdin: bool,
  AttachStdout: bool,
  AttachStderr: bool,
  ExposedPorts: mapOf(anyValue, 'nat.PortSet'),
  Tty: bool,
  OpenStdin: bool,
  StdinOnce: bool,
  Env: strings,
  Cmd: strSlice,
  Entrypoint: strSlice,
  Image: str,
  Volumes: mapOf(anyValue, 'map[string]struct {}'),
  WorkingDir: str,
  Labels: stringMap,
  StopSignal: str,
  StopTimeout: int,
  HostConfig: hostConfig,
  NetworkingConfig: object('NetworkingConfig', { EndpointsConfig: mapOf(endpoint, 'map[string]*network.EndpointSettings') }),
});

export interface CreateRequest {
  options: CreateOptions;
  /** The client's terminal size (HostConfig.ConsoleSize), for a terminal made before anyone resizes it. */
  consoleSize?: TerminalSize;
}

const nonEmpty = <T>(v: T[] | undefined): T[] | undefined => (v && v.length > 0 ? v : undefined);
const text = (v: string | undefined): string | undefined => (v ? v : undefined);
const positive = (v: number | undefined): number | undefined => (v && v > 0 ? v : undefined);

/** The request body (parsed JSON) and the `name` query parameter to the engine's options. */
export function createRequest(body: unknown, name: string | undefined): CreateRequest {
  if (body === undefined) throw invalidArgument('invalid JSON: got EOF while reading request body');
  let c;
  try {
    c = createBody(body, '');
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
  }
  if (!c) throw invalidArgument('config cannot be empty in order to create a container');
  if (!c.Image) throw invalidArgument('No image specified');
  const h = c.HostConfig;
  const o: CreateOptions = { image: c.Image };
  if (name) o.name = name.startsWith('/') ? name.slice(1) : name;
  if (c.Cmd) o.cmd = c.Cmd;
  if (c.Entrypoint) o.entrypoint = c.Entrypoint;
  if (c.Env) o.env = c.Env;
  o.workdir = text(c.WorkingDir);
  o.user = text(c.User);
  o.hostname = text(c.Hostname);
  if (c.Labels) o.labels = c.Labels;
  o.tty = c.Tty ?? false;
  o.openStdin = c.OpenStdin ?? false;
  o.attach = { stdin: c.AttachStdin ?? false, stdout: c.AttachStdout ?? false, stderr: c.AttachStderr ?? false };
  o.stopSignal = text(c.StopSignal);
  if (c.StopTimeout !== undefined) o.stopTimeout = c.StopTimeout;
  const expose = Object.keys(c.ExposedPorts ?? {});
  if (expose.length > 0) o.expose = expose;
  // Config.Volumes are anonymous volumes (the engine takes them as `-v /path`), except where a bind
  // or a mount already covers the path: docker-compose sends a service's volumes in both places.
  const covered = new Set([...(h?.Binds ?? []).map((b) => b.split(':')[1]), ...(h?.Mounts ?? []).map((m) => m.Target)].filter(Boolean).map((p) => (p as string).replace(/\/+$/, '')));
  const anonymous = Object.keys(c.Volumes ?? {}).filter((p) => !covered.has(p.replace(/\/+$/, '')));
  const binds = [...(h?.Binds ?? []), ...anonymous];
  if (binds.length > 0) o.binds = binds;
  if (h) {
    if (h.Mounts?.length) o.mounts = h.Mounts.map(toMountSpec);
    const tmpfs = Object.entries(h.Tmpfs ?? {}).map(([dst, opts]) => (opts ? `${dst}:${opts}` : dst));
    if (tmpfs.length > 0) o.tmpfs = tmpfs;
    const publish = Object.entries(h.PortBindings ?? {}).flatMap(([port, bindings]) => (bindings && bindings.length > 0 ? bindings : [{ HostIp: '', HostPort: '' }]).map((b) => publishSpec(port, b?.HostIp ?? '', b?.HostPort ?? '')));
    if (publish.length > 0) o.publish = publish;
    if (h.PublishAllPorts) o.publishAll = true;
    // "default" is the daemon's default network, as in Docker.
    if (h.NetworkMode && h.NetworkMode !== 'default') o.network = h.NetworkMode;
    o.restart = restartText(h.RestartPolicy);
    o.autoRemove = h.AutoRemove ?? false;
    o.memory = positive(h.Memory);
    if (h.MemorySwap) o.memorySwap = h.MemorySwap;
    o.cpus = h.NanoCpus ? h.NanoCpus / 1e9 : undefined;
    o.cpuShares = positive(h.CpuShares);
    o.pidsLimit = positive(h.PidsLimit);
    o.capAdd = nonEmpty(h.CapAdd);
    o.capDrop = nonEmpty(h.CapDrop);
    o.privileged = h.Privileged ?? false;
    o.readOnly = h.ReadonlyRootfs ?? false;
    o.securityOpt = nonEmpty(h.SecurityOpt);
    o.ulimits = nonEmpty(h.Ulimits?.map((u) => `${u.Name ?? ''}=${u.Soft ?? 0}:${u.Hard ?? 0}`));
    o.dns = nonEmpty(h.Dns);
    o.dnsSearch = nonEmpty(h.DnsSearch);
    o.dnsOptions = nonEmpty(h.DnsOptions);
    o.addHosts = nonEmpty(h.ExtraHosts);
    o.volumesFrom = nonEmpty(h.VolumesFrom);
    if (h.Init) o.init = true;
    o.groupAdd = nonEmpty(h.GroupAdd);
    // runc and crun are what berth knows; "runc" is every Docker client's default name.
    if (h.Runtime && h.Runtime !== 'runc') o.runtime = h.Runtime;
  }
  // Aliases and a fixed address on the container's own network (the one NetworkMode names).
  const endpoints = c.NetworkingConfig?.EndpointsConfig ?? {};
  const own = endpoints[o.network ?? 'bridge'] ?? Object.values(endpoints)[0];
  if (own) {
    // Docker adds the container's short ID as an alias itself; berth names it by its name.
    o.networkAliases = nonEmpty(own.Aliases);
    o.ip = text(own.IPAMConfig?.IPv4Address);
  }
  const size = h?.ConsoleSize;
  const consoleSize = size && size.length === 2 && (size[0] ?? 0) > 0 ? { height: size[0] as number, width: size[1] as number } : undefined;
  for (const k of Object.keys(o) as (keyof CreateOptions)[]) if (o[k] === undefined) delete o[k];
  return { options: o, consoleSize };
}

function toMountSpec(m: NonNullable<ReturnType<typeof mount>>): MountSpec {
  const type = m.Type ?? '';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw invalidArgument(`mount type unknown: ${JSON.stringify(type)}`);
  if (!m.Target) throw invalidArgument('Target must not be empty');
  const spec: MountSpec = { Type: type, Target: m.Target };
  if (m.Source) spec.Source = m.Source;
  if (m.ReadOnly) spec.ReadOnly = true;
  if (m.BindOptions?.Propagation) spec.BindOptions = { Propagation: m.BindOptions.Propagation };
  if (m.VolumeOptions?.NoCopy) spec.VolumeOptions = { NoCopy: true };
  if (m.TmpfsOptions) spec.TmpfsOptions = { ...(m.TmpfsOptions.SizeBytes ? { SizeBytes: m.TmpfsOptions.SizeBytes } : {}), ...(m.TmpfsOptions.Mode ? { Mode: m.TmpfsOptions.Mode } : {}) };
  return spec;
}

/** A PortBindings entry as `-p` would have said it: [IP:][HOSTPORT:]PORT/PROTO. */
function publishSpec(port: string, ip: string, hostPort: string): string {
  if (hostPort === '0') hostPort = ''; // "0": any free port, as an empty one (Testcontainers sends it)
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return host ? `${host}:${hostPort}:${port}` : hostPort ? `${hostPort}:${port}` : port;
}

export function restartText(p: { Name?: string; MaximumRetryCount?: number } | undefined): string | undefined {
  if (!p?.Name) return undefined;
  return p.Name === 'on-failure' && p.MaximumRetryCount ? `on-failure:${p.MaximumRetryCount}` : p.Name;
}

/** POST /containers/{id}/update's body: resources and the restart policy. */
export const updateBody = object('UpdateConfig', {
  Memory: int,
  MemorySwap: int,
  NanoCpus: int,
  CpuShares: int,
  PidsLimit: int,
  RestartPolicy: object('RestartPolicy', { Name: str, MaximumRetryCount: int }),
});
