// The engine's create options as the body of POST /containers/create — what docker/cli's
// opts.parse does with its flags — using the engine's own parsers, so both ends read a flag alike.
import { hostConfig, parseExpose, parsePublish, parseTmpfs, type CreateOptions } from '../../engine/index.ts';

export interface CreateBody {
  [key: string]: unknown;
  HostConfig: Record<string, unknown>;
}

export function createBody(o: CreateOptions): CreateBody {
  const h: Record<string, unknown> = { ...hostConfig(o, '') };
  delete h.Runtime;
  if (o.runtime) h.Runtime = o.runtime;
  const binds = (o.binds ?? []).filter((b) => b.includes(':'));
  if (binds.length > 0) h.Binds = binds;
  if (o.mounts?.length) h.Mounts = o.mounts;
  const tmpfs = parseTmpfs(o.tmpfs ?? []);
  if (Object.keys(tmpfs).length > 0) h.Tmpfs = tmpfs;
  if (o.volumesFrom?.length) h.VolumesFrom = o.volumesFrom;
  const bindings = parsePublish(o.publish ?? []);
  if (Object.keys(bindings).length > 0) h.PortBindings = bindings;
  if (o.publishAll) h.PublishAllPorts = true;
  if (o.addHosts?.length) h.ExtraHosts = o.addHosts.map((x) => x.replace('=', ':'));
  if (o.dns?.length) h.Dns = o.dns;
  if (o.dnsSearch?.length) h.DnsSearch = o.dnsSearch;
  if (o.dnsOptions?.length) h.DnsOptions = o.dnsOptions;
  const exposed = [...parseExpose(o.expose ?? []), ...Object.keys(bindings)];
  // `-v /path`: a volume the container asks for, not a bind.
  const volumes = (o.binds ?? []).filter((b) => !b.includes(':'));
  const network = o.network ?? 'bridge';
  const endpoint = o.networkAliases?.length || o.ip ? { Aliases: o.networkAliases, IPAMConfig: o.ip ? { IPv4Address: o.ip } : undefined } : undefined;
  return {
    Image: o.image,
    Cmd: o.cmd && o.cmd.length > 0 ? o.cmd : undefined,
    // docker/cli: `--entrypoint ""` resets the image's entrypoint as [""].
    Entrypoint: o.entrypoint === undefined ? undefined : [o.entrypoint],
    Env: o.env,
    WorkingDir: o.workdir,
    User: o.user,
    Labels: o.labels,
    Hostname: o.hostname,
    Tty: o.tty ?? false,
    OpenStdin: o.openStdin ?? false,
    StdinOnce: (o.openStdin ?? false) && (o.attach?.stdin ?? false),
    AttachStdin: o.attach?.stdin ?? false,
    AttachStdout: o.attach?.stdout ?? false,
    AttachStderr: o.attach?.stderr ?? false,
    StopSignal: o.stopSignal,
    StopTimeout: o.stopTimeout,
    ExposedPorts: exposed.length > 0 ? Object.fromEntries(exposed.map((p) => [p, {}])) : undefined,
    Volumes: volumes.length > 0 ? Object.fromEntries(volumes.map((v) => [v, {}])) : undefined,
    HostConfig: h,
    NetworkingConfig: endpoint ? { EndpointsConfig: { [network]: endpoint } } : undefined,
  };
}
