// Where a container's files live under the root, and the /etc files berth writes for it.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { HostConfig } from '../meta/index.ts';
import { join } from 'node:path';

export interface ContainerPaths {
  /** The OCI bundle: config.json, conmon's attach socket and control FIFOs. */
  dir: string;
  config: string;
  userdata: string;
  log: string;
  pidFile: string;
  conmonPidFile: string;
  exitFile: string;
  lock: string;
  /** Held (shared flock) by a client attached to the container: it will collect the exit code. */
  client: string;
}

export function containerPaths(root: string, id: string): ContainerPaths {
  const dir = join(root, 'containers', id);
  return {
    dir,
    config: join(dir, 'config.json'),
    userdata: join(dir, 'userdata'),
    log: join(dir, 'ctr.log'),
    pidFile: join(dir, 'pidfile'),
    conmonPidFile: join(dir, 'conmon.pid'),
    exitFile: join(root, 'exits', id),
    lock: join(dir, 'lock'),
    client: join(dir, 'client.lock'),
  };
}

/** The host's resolv.conf without loopback resolvers, which mean nothing in another network namespace (Docker's rule). */
export function containerResolvConf(host = readHostResolvConf()): string {
  const lines = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  return `${lines.join('\n').trim()}\n`;
}

/** --dns, --dns-search and --dns-option replace the host's (Docker's rule: each kind on its own). */
function resolvConf(h: Pick<HostConfig, 'Dns' | 'DnsSearch' | 'DnsOptions'>): string {
  const base = containerResolvConf();
  if (!h.Dns?.length && !h.DnsSearch?.length && !h.DnsOptions?.length) return base;
  const keep = (key: string, given: string[] | null | undefined, join: (v: string[]) => string[]): string[] =>
    given?.length ? join(given) : base.split('\n').filter((l) => l.trim().startsWith(key));
  return `${[
    ...keep('search', h.DnsSearch, (v) => [`search ${v.join(' ')}`]),
    ...keep('nameserver', h.Dns, (v) => v.map((d) => `nameserver ${d}`)),
    ...keep('options', h.DnsOptions, (v) => [`options ${v.join(' ')}`]),
  ].join('\n')}\n`;
}

function readHostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/** /etc/hosts: localhost, the container's own name (on its address when it has one), and the peers it may reach by name. */
export function hostsFile(hostname: string, own?: string, peers: { ip: string; names: string[] }[] = [], extraHosts: string[] = []): string {
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    own ? `${own}\t${hostname}` : `127.0.1.1\t${hostname}`,
    ...peers.map((p) => `${p.ip}\t${p.names.join(' ')}`),
    // --add-host NAME:IP
    ...extraHosts.map((e) => {
      const at = e.indexOf(':');
      return `${e.slice(at + 1)}\t${e.slice(0, at)}`;
    }),
    '',
  ].join('\n');
}

/** Writes hosts, hostname and resolv.conf; returns the bind mounts that put them in /etc. */
export async function writeEtcFiles(p: ContainerPaths, hostname: string, hosts: string, h: Pick<HostConfig, 'Dns' | 'DnsSearch' | 'DnsOptions'> = {}): Promise<{ destination: string; type: string; source: string; options: string[] }[]> {
  await mkdir(p.userdata, { recursive: true });
  const files: [string, string][] = [
    ['hosts', hosts],
    ['hostname', `${hostname}\n`],
    ['resolv.conf', resolvConf(h)],
  ];
  const mounts = [];
  for (const [name, text] of files) {
    const source = join(p.userdata, name);
    await writeFile(source, text, { mode: 0o644 });
    mounts.push({ destination: `/etc/${name}`, type: 'bind', source, options: ['rbind', 'rprivate'] });
  }
  return mounts;
}
