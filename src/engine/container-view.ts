// How containers look from outside: `docker ps` rows, `docker inspect` documents and ps filters,
// all in the Docker Engine API's shapes.
import type { ImagesDocument, ContainerRecord } from '../meta/index.ts';
import { invalidArgument } from '../errdefs/index.ts';
import type { ImageStore } from '../store/index.ts';
import type { RootfsPaths } from '../snapshot/index.ts';
import { globMatch, matchLabel } from './filters.ts';
import { tryResolve } from './resolve.ts';
import type { ContainerPaths } from './container-files.ts';
import type { ContainerSummary } from './types.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's status text: "Up 3 seconds", "Exited (0) 2 minutes ago", "Created". */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.State;
  switch (s.Status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(s.StartedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    case 'exited':
      return s.FinishedAt === ZERO_TIME ? `Exited (${s.ExitCode})` : `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

/** go-units HumanDuration: "3 minutes", "About an hour" (Docker's status and CREATED columns).
 *  Hours are int(d.Hours() + 0.5); years int(d.Hours())/24/365. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  // Years count the whole hours, not the rounded ones: int(d.Hours())/24/365.
  return `${Math.floor(Math.floor(ms / 3_600_000) / 24 / 365)} years`;
}

export function commandText(rec: ContainerRecord): string {
  return [rec.Path, ...rec.Args].join(' ');
}

export function containerSummary(rec: ContainerRecord): ContainerSummary {
  return {
    Id: rec.Id,
    Names: [`/${rec.Name}`],
    Image: rec.Config.Image,
    ImageID: rec.Image,
    Command: commandText(rec),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: Object.entries(rec.NetworkSettings?.Ports ?? {}).flatMap(([k, bs]) => bs.map((b) => ({ IP: b.HostIp, PrivatePort: Number(k.split('/')[0]), PublicPort: Number(b.HostPort), Type: k.split('/')[1] ?? 'tcp' }))),
    Labels: rec.Config.Labels,
    State: rec.State.Status,
    Status: statusText(rec),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode },
    Mounts: [],
  };
}

export interface ContainerFilters {
  status: string[];
  name: string[];
  id: string[];
  label: string[];
  ancestor: string[];
  exited: number[];
}

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export function parseContainerFilters(raw: Record<string, string[]>): ContainerFilters {
  const f: ContainerFilters = { status: [], name: [], id: [], label: [], ancestor: [], exited: [] };
  for (const [key, values] of Object.entries(raw)) {
    for (const v of values) {
      switch (key) {
        case 'status':
          if (!STATUSES.includes(v)) throw invalidArgument(`invalid filter 'status=${v}'`);
          f.status.push(v);
          break;
        case 'exited':
          if (!/^\d+$/.test(v)) throw invalidArgument(`invalid filter 'exited=${v}'`);
          f.exited.push(Number(v));
          break;
        case 'name':
        case 'id':
        case 'label':
        case 'ancestor':
          f[key].push(v);
          break;
        default:
          throw invalidArgument(`invalid filter '${key}'`);
      }
    }
  }
  return f;
}

/** `images` is needed only for ancestor filters. */
export function matchContainerFilters(f: ContainerFilters, rec: ContainerRecord, images: ImagesDocument | undefined): boolean {
  if (f.status.length > 0 && !f.status.includes(rec.State.Status)) return false;
  if (f.exited.length > 0 && !(rec.State.Status === 'exited' && f.exited.includes(rec.State.ExitCode))) return false;
  // Docker matches names and IDs as regular expressions / prefixes.
  if (f.name.length > 0 && !f.name.some((n) => safeRegExp(n).test(`/${rec.Name}`))) return false;
  if (f.id.length > 0 && !f.id.some((i) => rec.Id.startsWith(i))) return false;
  if (!f.label.every((l) => matchLabel(rec.Config.Labels, l))) return false;
  if (f.ancestor.length > 0) {
    const ok = f.ancestor.some((a) => {
      const img = images ? tryResolve(images, a) : undefined;
      return img ? img.image.id === rec.Image : globMatch(a, rec.Config.Image);
    });
    if (!ok) return false;
  }
  return true;
}

function safeRegExp(s: string): RegExp {
  try {
    return new RegExp(s);
  } catch {
    throw invalidArgument(`invalid filter 'name=${s}': not a valid regular expression`);
  }
}

export function inspectContainer(rec: ContainerRecord, p: ContainerPaths, rootfs: RootfsPaths & { name: string }, store: ImageStore): Record<string, unknown> {
  const s = rec.State;
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: {
      Status: s.Status,
      Running: s.Status === 'running' || s.Status === 'paused',
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: s.Pid,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
    },
    Image: rec.Image,
    ResolvConfPath: `${p.userdata}/resolv.conf`,
    HostnamePath: `${p.userdata}/hostname`,
    HostsPath: `${p.userdata}/hosts`,
    LogPath: p.log,
    Name: `/${rec.Name}`,
    RestartCount: rec.RestartCount,
    Driver: rootfs.name,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: { ...rec.HostConfig, LogConfig: { Type: 'k8s-file', Config: {} } },
    GraphDriver: {
      Name: rootfs.name,
      Data: rootfs.upper
        ? {
            LowerDir: [...rec.Layers].reverse().map((l) => store.layers.path(l)).join(':'),
            UpperDir: rootfs.upper,
            WorkDir: rootfs.work,
            MergedDir: rootfs.merged,
          }
        : { Dir: rootfs.merged },
    },
    Mounts: [],
    Config: rec.Config,
    NetworkSettings: networkSettings(rec),
  };
}

/** Docker's NetworkSettings: the networks the container is on while it runs (the default bridge's address also at the top). */
function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const s = rec.NetworkSettings;
  const networks = Object.fromEntries(
    Object.entries(s?.Networks ?? {}).map(([name, a]) => [name, { IPAMConfig: null, Links: null, Aliases: a.Aliases.length > 0 ? a.Aliases : null, MacAddress: a.MacAddress, NetworkID: a.NetworkID, EndpointID: '', Gateway: a.Gateway, IPAddress: a.IPAddress, IPPrefixLen: a.IPPrefixLen, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: a.Aliases.length > 0 ? a.Aliases : null }]),
  );
  const bridge = s?.Networks.bridge;
  return {
    Bridge: '',
    SandboxID: '',
    SandboxKey: s?.SandboxKey ?? '',
    Ports: s?.Ports ?? {},
    Gateway: bridge?.Gateway ?? '',
    IPAddress: bridge?.IPAddress ?? '',
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    MacAddress: bridge?.MacAddress ?? '',
    Networks: networks,
  };
}
