// Networks (Docker's bridge driver): records in meta/networks.json, each a CNI configuration list
// for a Linux bridge with host-local addresses. The default network `bridge` is made on first use.
// Bridge names and subnets are shared by the whole machine (several roots may each have networks),
// so they are chosen under a machine-wide lock, away from every subnet the host already routes.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidArgument, notFound } from '../errdefs/index.ts';
import { JsonDocument, withLock } from '../meta/index.ts';
import type { Conflist } from './cni.ts';

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge';
  EnableIPv6: false;
  IPAM: { Driver: 'default'; Options: Record<string, string>; Config: { Subnet: string; Gateway: string; IPRange?: string }[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: false;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** berth's: the Linux bridge. */
  Bridge: string;
  /** berth's: the bridge was there before the network (`-o com.docker.network.bridge.name=`): berth never deletes it. */
  ForeignBridge?: boolean;
}

interface NetworksDocument {
  networks: Record<string, NetworkRecord>;
}

export const DEFAULT_NETWORK = 'bridge';
const MACHINE_LOCK = '/run/berth/networks.lock';
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Parses a.b.c.d/len. */
function cidr(s: string): { base: number; len: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(s);
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 32) throw invalidArgument(`invalid CIDR address: ${s}`);
  const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const len = Number(m[5]);
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return { base: (base & mask) >>> 0, len };
}

function ip(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function overlaps(a: { base: number; len: number }, b: { base: number; len: number }): boolean {
  const len = Math.min(a.len, b.len);
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

/** The IPv4 subnets the host routes now (its own networks, other engines' bridges). */
function hostRoutes(): { base: number; len: number }[] {
  const out: { base: number; len: number }[] = [];
  for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] === '00000000') continue;
    const dest = Buffer.from(f[1] as string, 'hex').readUInt32LE(0);
    const mask = Buffer.from(f[7] as string, 'hex').readUInt32LE(0);
    out.push({ base: dest >>> 0, len: mask.toString(2).split('1').length - 1 });
  }
  return out;
}

export class NetworkStore {
  private readonly root: string;
  private readonly doc: JsonDocument<NetworksDocument>;

  constructor(root: string) {
    this.root = root;
    this.doc = new JsonDocument<NetworksDocument>(root, 'networks', () => ({ networks: {} }), (raw) => JSON.parse(raw.toString()) as NetworksDocument);
  }

  /** Where host-local keeps its address leases (one directory per network). */
  ipamDir(): string {
    return join(this.root, 'networks', 'ipam');
  }

  /** The networks recorded, without making the default one. */
  async recorded(): Promise<NetworkRecord[]> {
    return Object.values((await this.doc.read()).networks);
  }

  async list(): Promise<NetworkRecord[]> {
    const nets = Object.values((await this.doc.read()).networks);
    if (!nets.some((n) => n.Name === DEFAULT_NETWORK)) nets.push(await this.get(DEFAULT_NETWORK));
    return nets.sort((a, b) => a.Name.localeCompare(b.Name));
  }

  /** A network by name, ID or unique ID prefix; the default one is made when first asked for. */
  async get(ref: string): Promise<NetworkRecord> {
    const nets = Object.values((await this.doc.read()).networks);
    const found = nets.find((n) => n.Name === ref) ?? nets.find((n) => n.Id === ref);
    if (found) return found;
    const byPrefix = ref.length > 0 ? nets.filter((n) => n.Id.startsWith(ref)) : [];
    if (byPrefix.length === 1) return byPrefix[0] as NetworkRecord;
    if (ref === DEFAULT_NETWORK) return this.create({ name: DEFAULT_NETWORK });
    throw notFound(`network ${ref} not found`, ref);
  }

  async create(o: { name: string; subnet?: string; gateway?: string; ipRange?: string; internal?: boolean; labels?: Record<string, string>; options?: Record<string, string> }): Promise<NetworkRecord> {
    if (!NAME.test(o.name)) throw invalidArgument(`invalid network name "${o.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (['host', 'none'].includes(o.name)) throw invalidArgument(`operation is not permitted on predefined ${o.name} network`);
    await mkdir('/run/berth', { recursive: true });
    await mkdir(this.ipamDir(), { recursive: true });
    return withLock(MACHINE_LOCK, 'exclusive', () =>
      this.doc.update((d) => {
        const had = Object.values(d.networks).find((n) => n.Name === o.name);
        if (had) {
          if (o.name === DEFAULT_NETWORK) return had;
          throw conflict(`network with name ${o.name} already exists`, o.name);
        }
        const id = randomBytes(32).toString('hex');
        const claims = liveClaims();
        const taken = [...hostRoutes(), ...Object.values(d.networks).map((n) => cidr(n.IPAM.Config[0]?.Subnet ?? '0.0.0.0/32')), ...claims.map((c) => cidr(c.subnet))];
        let subnet: string;
        if (o.subnet) {
          const want = cidr(o.subnet);
          if (want.len > 30) throw invalidArgument(`invalid subnet ${o.subnet}: too small for containers`);
          if (taken.some((t) => overlaps(t, want))) throw conflict(`Pool overlaps with other one on this address space`, o.subnet);
          subnet = `${ip(want.base)}/${want.len}`;
        } else {
          subnet = freeSubnet(taken);
        }
        const net = cidr(subnet);
        const gateway = o.gateway ?? ip(net.base + 1);
        if (!overlaps(cidr(`${gateway}/32`), net)) throw invalidArgument(`invalid gateway ${gateway}: not in subnet ${subnet}`);
        const bridge = o.name === DEFAULT_NETWORK ? bridgeName(this.root) : `br-${id.slice(0, 12)}`;
        const rec: NetworkRecord = {
          Name: o.name,
          Id: id,
          Created: new Date().toISOString(),
          Scope: 'local',
          Driver: 'bridge',
          EnableIPv6: false,
          IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: subnet, Gateway: gateway, ...(o.ipRange ? { IPRange: o.ipRange } : {}) }] },
          Internal: o.internal ?? false,
          Attachable: false,
          Ingress: false,
          Options: o.options ?? {},
          Labels: o.labels ?? {},
          Bridge: o.options?.['com.docker.network.bridge.name'] ?? bridge,
          ...(o.options?.['com.docker.network.bridge.name'] && existsSync(`/sys/class/net/${o.options['com.docker.network.bridge.name']}`) ? { ForeignBridge: true } : {}),
        };
        d.networks[id] = rec;
        writeClaims([...claims, { subnet, root: this.root, id }]);
        return rec;
      }),
    );
  }

  async remove(ref: string): Promise<NetworkRecord> {
    const rec = await this.get(ref);
    if (rec.Name === DEFAULT_NETWORK) throw invalidArgument(`bridge is a pre-defined network and cannot be removed`);
    await this.doc.update((d) => {
      delete d.networks[rec.Id];
    });
    return rec;
  }

  /** The CNI list for a network: a bridge with NAT (unless internal), host-local addresses, and portmap when the container publishes ports. */
  conflist(rec: NetworkRecord, o: { ports?: boolean } = {}): Conflist {
    const c = rec.IPAM.Config[0] as { Subnet: string; Gateway: string; IPRange?: string };
    const range: Record<string, string> = { subnet: c.Subnet, gateway: c.Gateway };
    if (c.IPRange) {
      const r = cidr(c.IPRange);
      range.rangeStart = ip(r.base + 1);
      range.rangeEnd = ip(r.base + 2 ** (32 - r.len) - 2);
    }
    return {
      cniVersion: '1.0.0',
      name: `berth-${rec.Id.slice(0, 12)}`,
      plugins: [
        {
          type: 'bridge',
          bridge: rec.Bridge,
          isGateway: true,
          // NAT is one rule per network that berth keeps (the plugin's would cost ~15 iptables runs per container).
          ipMasq: false,
          hairpinMode: true,
          capabilities: { ips: true },
          ipam: { type: 'host-local', ranges: [[range]], routes: rec.Internal ? [] : [{ dst: '0.0.0.0/0' }], dataDir: this.ipamDir() },
        },
        ...(o.ports ? [{ type: 'portmap', capabilities: { portMappings: true }, snat: true }] : []),
      ],
    };
  }
}

// Subnets are claimed machine-wide (/run/berth/subnets.json): a network with no container has no
// route yet, and another root must not pick its subnet. A claim whose network is gone (its root
// removed, or the network) no longer counts.
const CLAIMS = '/run/berth/subnets.json';

interface Claim {
  subnet: string;
  root: string;
  id: string;
}

function liveClaims(): Claim[] {
  let claims: Claim[];
  try {
    claims = JSON.parse(readFileSync(CLAIMS, 'utf8')) as Claim[];
  } catch {
    return [];
  }
  return claims.filter((c) => {
    try {
      return (JSON.parse(readFileSync(join(c.root, 'meta', 'networks.json'), 'utf8')) as NetworksDocument).networks[c.id] !== undefined;
    } catch {
      return false;
    }
  });
}

function writeClaims(claims: Claim[]): void {
  writeFileSync(CLAIMS, JSON.stringify(claims));
}

/** The first free 10.89.N.0/24 (berth's pool; Docker's 172.17+ is left to Docker). */
function freeSubnet(taken: { base: number; len: number }[]): string {
  for (let n = 0; n < 256; n++) {
    const candidate = cidr(`10.89.${n}.0/24`);
    if (!taken.some((t) => overlaps(t, candidate))) return `10.89.${n}.0/24`;
  }
  throw conflict('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

/** berth0 for the default root; another root gets a bridge of its own (roots never share one). */
function bridgeName(root: string): string {
  return root === '/var/lib/berth' ? 'berth0' : `berth${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}
