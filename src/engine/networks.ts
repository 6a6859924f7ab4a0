// The network service: `network create/ls/inspect/rm/prune` over the network store; the
// predefined `host` and `none` are listed as Docker lists them.
import { createHash } from 'node:crypto';
import { conflict, invalidArgument, isKind, notFound } from '../errdefs/index.ts';
import { DEFAULT_NETWORK, type NetworkRecord, type NetworkStore } from '../network/index.ts';
import type { ContainerRecord } from '../meta/index.ts';
import type { LocalContainerService } from './containers.ts';
import { matchLabel, parseUntil } from './filters.ts';
import { joinsNetwork, removeNetworkHost } from './container-network.ts';
import { eventLog } from './events.ts';
import type { Network, NetworkCreateOptions, NetworkService } from './types.ts';

/** host and none: fixed networks whose IDs are stable for a root (Docker makes them once per daemon). */
function predefined(name: 'host' | 'none', root: string): Network {
  return {
    Name: name,
    Id: createHash('sha256').update(`${root}\0${name}`).digest('hex'),
    Created: '0001-01-01T00:00:00Z',
    Scope: 'local',
    Driver: name === 'host' ? 'host' : 'null',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}

export class LocalNetworkService implements NetworkService {
  private readonly store: NetworkStore;
  private readonly root: string;
  private readonly containers: () => Promise<ContainerRecord[]>;

  private readonly service: LocalContainerService;

  constructor(store: NetworkStore, root: string, service: LocalContainerService) {
    this.store = store;
    this.root = root;
    this.service = service;
    this.containers = () => service.records();
  }

  async connect(network: string, container: string, o: { aliases?: string[]; ip?: string } = {}): Promise<void> {
    if (network === 'host' || network === 'none') throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
    await this.service.connectNetwork(container, network, o);
    await this.emitAttachment('connect', network, container);
  }

  async disconnect(network: string, container: string): Promise<void> {
    await this.service.disconnectNetwork(container, network);
    await this.emitAttachment('disconnect', network, container);
  }

  private async emitAttachment(action: string, network: string, container: string): Promise<void> {
    eventLog(this.root).network(action, await this.store.get(network), { container: await this.service.resolve(container) });
  }

  private async shown(rec: NetworkRecord): Promise<Network> {
    const attached: Record<string, unknown> = {};
    for (const c of await this.containers()) {
      const a = c.NetworkSettings?.Networks[rec.Name];
      if (a) attached[c.Id] = { Name: c.Name, EndpointID: '', MacAddress: a.MacAddress, IPv4Address: `${a.IPAddress}/${a.IPPrefixLen}`, IPv6Address: '' };
    }
    const { Bridge: bridge, ...docker } = rec;
    // The default network shows its bridge's settings, as Docker's shows docker0's.
    const options = rec.Name === DEFAULT_NETWORK
      ? { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0', 'com.docker.network.bridge.name': bridge, 'com.docker.network.driver.mtu': '1500' }
      : rec.Options;
    return { ...docker, Options: options, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: attached };
  }

  async create(o: NetworkCreateOptions): Promise<{ Id: string }> {
    if (o.driver !== undefined && o.driver !== 'bridge') throw invalidArgument(`plugin "${o.driver}" not found: berth has the bridge driver`);
    if ([DEFAULT_NETWORK, 'host', 'none'].includes(o.name)) throw invalidArgument(`operation is not permitted on predefined ${o.name} network`);
    const rec = await this.store.create({ name: o.name, subnet: o.subnet, gateway: o.gateway, ipRange: o.ipRange, internal: o.internal, labels: o.labels, options: o.options });
    eventLog(this.root).network('create', rec);
    return { Id: rec.Id };
  }

  async list(filters: Record<string, string[]> = {}): Promise<Network[]> {
    const all = [...(await Promise.all((await this.store.list()).map((n) => this.shown(n)))), predefined('host', this.root), predefined('none', this.root)];
    // docker/cli sorts by name (natural order).
    all.sort((a, b) => a.Name.localeCompare(b.Name, undefined, { numeric: true }));
    return all.filter((n) =>
      Object.entries(filters).every(([key, values]) =>
        values.every((v) => {
          if (key === 'name') return n.Name.includes(v);
          if (key === 'id') return n.Id.startsWith(v);
          if (key === 'driver') return n.Driver === v;
          if (key === 'label') return matchLabel(n.Labels as Record<string, string>, v);
          if (key === 'type') return v === 'custom' ? !['bridge', 'host', 'none'].includes(n.Name) : ['bridge', 'host', 'none'].includes(n.Name);
          throw invalidArgument(`invalid filter '${key}'`);
        }),
      ),
    );
  }

  async inspect(ref: string): Promise<Network> {
    if (ref === 'host' || ref === 'none') return predefined(ref, this.root);
    return this.shown(await this.store.get(ref));
  }

  async remove(ref: string): Promise<void> {
    if (ref === 'host' || ref === 'none' || ref === DEFAULT_NETWORK) throw invalidArgument(`${ref} is a pre-defined network and cannot be removed`);
    const rec = await this.store.get(ref).catch((err: unknown) => Promise.reject(err instanceof Error && /not found/.test(err.message) ? notFound(`network ${ref} not found`, ref) : err));
    if (rec.Name === DEFAULT_NETWORK) throw invalidArgument(`${rec.Name} is a pre-defined network and cannot be removed`);
    const users = (await this.containers()).filter((c) => c.NetworkSettings?.Networks[rec.Name] !== undefined);
    if (users.length > 0) throw conflict(`error while removing network: network ${rec.Name} id ${rec.Id} has active endpoints`, ref);
    await removeNetworkHost(rec);
    await this.store.remove(rec.Id);
    eventLog(this.root).network('destroy', rec);
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ NetworksDeleted: string[] }> {
    const deleted: string[] = [];
    const containers = await this.containers();
    const until = (filters.until ?? []).map(parseUntil);
    for (const n of await this.store.list()) {
      if (n.Name === DEFAULT_NETWORK) continue;
      if (containers.some((c) => joinsNetwork(c, n))) continue;
      if (!(filters.label ?? []).every((l) => matchLabel(n.Labels, l)) || (filters['label!'] ?? []).some((l) => matchLabel(n.Labels, l))) continue;
      if (until.some((t) => Date.parse(n.Created) >= t)) continue;
      // A bridge still in use (by a start under way) keeps its network, as Docker skips a busy one.
      if (!(await removeNetworkHost(n).then(() => true, (err: unknown) => (isKind(err, 'Conflict') ? false : Promise.reject(err))))) continue;
      await this.store.remove(n.Id);
      eventLog(this.root).network('destroy', n);
      deleted.push(n.Name);
    }
    return { NetworksDeleted: deleted };
  }
}
