// A container's mounts, Docker's way: `-v` and `--mount` and `--tmpfs` and `--volumes-from` and the
// image's VOLUMEs become one list (HostConfig.Mounts) when the container is made — named volumes
// created, anonymous ones made for VOLUMEs nobody else mounts, bind sources checked — and OCI
// mounts when it starts, a new empty volume first getting the image's content at its path.
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { invalidArgument } from '../errdefs/index.ts';
import { applyLayer, tarPath } from '../layer/index.ts';
import type { ContainerRecord, MountSpec } from '../meta/index.ts';
import { resolveInRoot } from '../runtime/index.ts';
import type { VolumeStore } from '../volume/index.ts';

export interface MountRequest {
  /** `-v SRC:DST[:OPTS]` or `-v DST`. */
  binds?: string[];
  mounts?: MountSpec[];
  /** `--tmpfs` targets (HostConfig.Tmpfs): only checked against the other mounts here. */
  tmpfs?: Record<string, string>;
  /** `--volumes-from CONTAINER[:ro|rw]`, resolved by the caller. */
  volumesFrom?: { rec: ContainerRecord; mode?: 'ro' | 'rw' }[];
  /** The image config's Volumes. */
  imageVolumes?: Record<string, object>;
}

/** `-v` as Docker reads it: a host path (absolute) or a volume name, a target, options. */
export function parseBind(spec: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalidArgument(`invalid volume specification: '${spec}'`);
  const [a, b, c] = parts as [string, string | undefined, string | undefined];
  if (b === undefined) {
    if (!a.startsWith('/')) throw invalidArgument(`invalid volume specification: '${spec}': invalid mount config for type "volume": invalid mount path: '${a}' mount path must be absolute`);
    return { Type: 'volume', Target: posix.normalize(a), Anonymous: true, Mode: '' };
  }
  if (!b.startsWith('/')) throw invalidArgument(`invalid volume specification: '${spec}': invalid mount config for type "${a.startsWith('/') ? 'bind' : 'volume'}": invalid mount path: '${b}' mount path must be absolute`);
  const opts = c ? c.split(',') : [];
  for (const o of opts) {
    if (!['ro', 'rw', 'z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'].includes(o)) throw invalidArgument(`invalid volume specification: '${spec}': invalid mode: ${o}`);
  }
  const readOnly = opts.includes('ro');
  const propagation = opts.find((o) => /private|shared|slave/.test(o));
  // Docker shows the options as given as the mount's Mode ("z" for a named volume without any).
  if (a.startsWith('/')) return { Type: 'bind', Source: posix.normalize(a), Target: posix.normalize(b), ReadOnly: readOnly, Mode: c ?? '', ...(propagation ? { BindOptions: { Propagation: propagation } } : {}) };
  return { Type: 'volume', Source: a, Target: posix.normalize(b), ReadOnly: readOnly, Mode: c ?? 'z', ...(opts.includes('nocopy') ? { VolumeOptions: { NoCopy: true } } : {}) };
}

/** `--tmpfs DST[:OPTS]` into HostConfig.Tmpfs (target → options as given). */
export function parseTmpfs(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const target = colon === -1 ? spec : spec.slice(0, colon);
    if (!target.startsWith('/')) throw invalidArgument(`invalid tmpfs specification: '${spec}': mount path must be absolute`);
    out[posix.normalize(target)] = colon === -1 ? '' : spec.slice(colon + 1);
  }
  return out;
}

/** The container's mounts, checked; named volumes created, anonymous ones made. */
export async function resolveMounts(req: MountRequest, volumes: VolumeStore): Promise<MountSpec[]> {
  const out: MountSpec[] = [];
  const add = (m: MountSpec): void => {
    if (out.some((x) => x.Target === m.Target)) throw invalidArgument(`Duplicate mount point: ${m.Target}`);
    out.push(m);
  };
  for (const b of req.binds ?? []) add(parseBind(b));
  for (const m of req.mounts ?? []) add(m);
  for (const t of Object.keys(req.tmpfs ?? {})) {
    if (out.some((x) => x.Target === t)) throw invalidArgument(`Duplicate mount point: ${t}`);
  }
  for (const { rec, mode } of req.volumesFrom ?? []) {
    for (const m of rec.HostConfig.Mounts ?? []) {
      if (m.Type === 'tmpfs' || out.some((x) => x.Target === m.Target)) continue;
      out.push({ ...m, Anonymous: false, ...(mode ? { ReadOnly: mode === 'ro' } : {}) });
    }
  }
  // The image's VOLUMEs that nothing else covers get an anonymous volume each.
  for (const path of Object.keys(req.imageVolumes ?? {})) {
    const target = posix.normalize(path);
    if (!out.some((x) => x.Target === target) && !(target in (req.tmpfs ?? {}))) out.push({ Type: 'volume', Target: target, Anonymous: true, Mode: '' });
  }
  for (const m of out) {
    if (!m.Target.startsWith('/')) throw invalidArgument(`invalid mount config for type "${m.Type}": invalid mount path: '${m.Target}' mount path must be absolute`);
    if (m.Type === 'bind') {
      if (!m.Source?.startsWith('/')) throw invalidArgument(`invalid mount config for type "bind": invalid mount path: '${m.Source ?? ''}' mount path must be absolute`);
      if (!existsSync(m.Source)) {
        // `-v` makes a missing host directory; `--mount` refuses (Docker's two behaviours).
        if (!(req.binds ?? []).some((b) => b.startsWith(`${m.Source}:`))) throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
        mkdirSync(m.Source, { recursive: true, mode: 0o755 });
      }
    }
    if (m.Type === 'volume') {
      const v = await volumes.create({ name: m.Source, anonymous: m.Source === undefined });
      m.Source = v.Name;
      if (m.Anonymous === undefined) m.Anonymous = false;
    }
  }
  return out;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** The OCI mounts of a container about to start; new empty volumes first get the image's content at their path. */
export async function ociMountsFor(mounts: MountSpec[] | undefined, tmpfs: Record<string, string> | null | undefined, volumes: VolumeStore, rootfs: string): Promise<OciMount[]> {
  const out: OciMount[] = [];
  // `--tmpfs`: Docker's defaults (noexec, nosuid, nodev), then the options as given.
  for (const [target, opts] of Object.entries(tmpfs ?? {})) {
    out.push({ destination: target, type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', ...(opts ? opts.split(',') : [])] });
  }
  for (const m of mounts ?? []) {
    const ro = m.ReadOnly ? 'ro' : 'rw';
    if (m.Type === 'tmpfs') {
      out.push({
        destination: m.Target,
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', ...(m.ReadOnly ? ['ro'] : []), ...(m.TmpfsOptions?.SizeBytes ? [`size=${m.TmpfsOptions.SizeBytes}`] : []), `mode=${(m.TmpfsOptions?.Mode ?? 0o1777).toString(8)}`],
      });
      continue;
    }
    if (m.Type === 'bind') {
      out.push({ destination: m.Target, type: 'bind', source: m.Source as string, options: ['rbind', ro, m.BindOptions?.Propagation ?? 'rprivate'] });
      continue;
    }
    const v = await volumes.get(m.Source as string);
    if (v.Options.type) {
      // The local driver's device volumes: mounted from the device with its options.
      const o = v.Options.o ? v.Options.o.split(',') : [];
      const bind = o.includes('bind');
      out.push({ destination: m.Target, type: bind ? 'bind' : v.Options.type, source: v.Options.device as string, options: [...(bind ? ['rbind'] : []), ...o.filter((x) => x !== 'bind'), ro] });
      continue;
    }
    if (!v.Populated) {
      if (!m.VolumeOptions?.NoCopy && (await volumes.isEmpty(v.Name))) await copyImageContent(rootfs, m.Target, v.Mountpoint);
      await volumes.markPopulated(v.Name);
    }
    out.push({ destination: m.Target, type: 'bind', source: v.Mountpoint, options: ['rbind', ro, 'rprivate'] });
  }
  return out;
}

/** Docker's copy-up: what the image has at the mount's path, into the new volume (owners and modes kept). */
async function copyImageContent(rootfs: string, target: string, into: string): Promise<void> {
  let from: string;
  try {
    from = resolveInRoot(rootfs, target);
    if (!statSync(from).isDirectory() || readdirSync(from).length === 0) return;
  } catch {
    return;
  }
  await applyLayer(tarPath(from, '.'), into, { whiteouts: 'none', what: `the image's content at ${target}` });
  // The volume's root takes the directory's owner and mode too.
  const st = statSync(from);
  chownSync(into, st.uid, st.gid);
  chmodSync(into, st.mode & 0o7777);
}

/** Docker's `Mounts` in container inspect. */
export function inspectMounts(mounts: MountSpec[] | undefined, mountpoint: (name: string) => string): Record<string, unknown>[] {
  return (mounts ?? [])
    .map((m) =>
      m.Type === 'volume'
        ? { Type: 'volume', Name: m.Source, Source: mountpoint(m.Source as string), Destination: m.Target, Driver: 'local', Mode: m.Mode ?? 'z', RW: !m.ReadOnly, Propagation: '' }
        : m.Type === 'bind'
          ? { Type: 'bind', Source: m.Source, Destination: m.Target, Mode: m.Mode ?? '', RW: !m.ReadOnly, Propagation: m.BindOptions?.Propagation ?? 'rprivate' }
          : { Type: 'tmpfs', Source: '', Destination: m.Target, Mode: '', RW: !m.ReadOnly, Propagation: '' },
    );
}

/** The volume names a container uses. */
export function volumeNames(rec: ContainerRecord): string[] {
  return (rec.HostConfig.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Source).map((m) => m.Source as string);
}
