// Published ports, Docker's way: `-p [IP:][HOSTPORT:]PORT[/PROTO]` (ranges too) and `-P` become
// HostConfig.PortBindings when the container is made; when it starts, free host ports are chosen
// for the bindings that name none, a host port someone holds fails the start before the container
// runs, and CNI's portmap plugin forwards the rest (from the host's addresses and from 127.0.0.1).
import { createServer } from 'node:net';
import { errnoCode, invalidArgument } from '../errdefs/index.ts';
import { closeFd, holdPort } from '../sys/index.ts';
import type { PortBinding } from '../meta/index.ts';

function range(text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const from = m ? Number(m[1]) : NaN;
  const to = m?.[2] !== undefined ? Number(m[2]) : from;
  if (!m || from < 1 || to > 65535 || to < from) throw invalidArgument(`invalid ${what}: ${text}`);
  return [from, to];
}

/** `-p` specs into PortBindings (Docker's nat.ParsePortSpecs). */
export function parsePublish(specs: string[]): Record<string, PortBinding[]> {
  const out: Record<string, PortBinding[]> = {};
  for (const spec of specs) {
    const slash = spec.lastIndexOf('/');
    const proto = slash === -1 ? 'tcp' : spec.slice(slash + 1).toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw invalidArgument(`invalid proto: ${proto}`);
    const rest = slash === -1 ? spec : spec.slice(0, slash);
    // IPv6 host addresses come in brackets: [::1]:8080:80.
    const v6 = /^\[([^\]]+)\]:(.*)$/.exec(rest);
    const parts = v6 ? [v6[1] as string, ...(v6[2] as string).split(':')] : rest.split(':');
    if (parts.length > 3) throw invalidArgument(`invalid port format for --publish: ${spec}`);
    const [hostIp, hostPart, containerPart] = parts.length === 3 ? parts : parts.length === 2 ? ['', parts[0], parts[1]] : ['', '', parts[0]];
    const [cFrom, cTo] = range(containerPart as string, 'containerPort');
    const host = hostPart ? range(hostPart, 'hostPort') : undefined;
    if (host && host[1] - host[0] !== cTo - cFrom && host[0] !== host[1]) throw invalidArgument(`invalid ranges specified for container and host Ports: ${containerPart} and ${hostPart}`);
    for (let p = cFrom; p <= cTo; p++) {
      const hostPort = host ? (host[0] === host[1] ? host[0] : host[0] + (p - cFrom)) : undefined;
      (out[`${p}/${proto}`] ??= []).push({ HostIp: hostIp ?? '', HostPort: hostPort === undefined ? '' : String(hostPort) });
    }
  }
  return out;
}

/** `--expose`: ports (ranges too) as ExposedPorts keys. */
export function parseExpose(specs: string[]): string[] {
  return specs.flatMap((spec) => {
    const [ports = '', proto = 'tcp'] = spec.split('/');
    const [from, to] = range(ports, 'port');
    return Array.from({ length: to - from + 1 }, (_, i) => `${from + i}/${proto.toLowerCase()}`);
  });
}

/** A port the kernel gives as free (Docker picks from its ephemeral range the same way). */
function anyPort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port: 0, host: ip || undefined }, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP: string;
}

export interface AllocatedPorts {
  ports: Record<string, PortBinding[]>;
  mappings: PortMapping[];
  /** Sockets bound on the host ports, for conmon to hold while the container runs; close ours once it has them. */
  held: number[];
}

/**
 * Takes the host ports: the ones asked for, free ones where none was named. Each is bound (TCP:
 * listening) now, which is both the check that nobody has it and what keeps it: conmon holds the
 * sockets as long as the container runs, as Podman's conmon does, so a later program cannot take
 * a published port (portmap's DNAT alone would shadow it silently).
 */
export async function allocatePorts(bindings: Record<string, PortBinding[]>, taken: Set<string>): Promise<AllocatedPorts> {
  const out: AllocatedPorts = { ports: {}, mappings: [], held: [] };
  try {
    for (const [key, list] of Object.entries(bindings)) {
      const [cport = '', proto = 'tcp'] = key.split('/');
      for (const b of list) {
        const ip = b.HostIp;
        const named = b.HostPort ? Number(b.HostPort) : undefined;
        let port = named ?? (await anyPort(ip));
        const shown = (): string => `${ip || '0.0.0.0'}:${port}`;
        for (let attempt = 0; ; attempt++) {
          try {
            if (taken.has(`${port}/${proto}`)) throw Object.assign(new Error('taken'), { code: 'EADDRINUSE' });
            out.held.push(holdPort(ip, port, proto as 'tcp' | 'udp' | 'sctp'));
            break;
          } catch (err) {
            if (errnoCode(err) !== 'EADDRINUSE') throw invalidArgument(`driver failed programming external connectivity: cannot bind ${shown()}/${proto}: ${(err as Error).message}`);
            // A free port chosen for us was taken meanwhile: choose again.
            if (named !== undefined || attempt >= 5) throw invalidArgument(`driver failed programming external connectivity: Bind for ${shown()} failed: port is already allocated (address already in use)`);
            port = await anyPort(ip);
          }
        }
        taken.add(`${port}/${proto}`);
        (out.ports[key] ??= []).push({ HostIp: ip || '0.0.0.0', HostPort: String(port) });
        out.mappings.push({ hostPort: port, containerPort: Number(cport), protocol: proto, hostIP: ip });
      }
    }
  } catch (err) {
    releasePorts(out.held);
    throw err;
  }
  return out;
}

/** Closes berth's copies of the held sockets (conmon's copies keep the ports). */
export function releasePorts(fds: number[]): void {
  for (const fd of fds.splice(0)) closeFd(fd);
}
