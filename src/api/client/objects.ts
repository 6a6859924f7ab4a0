// Volumes, networks, the system and registry logins over the Docker Engine API.
import { CredentialStore, credentialKey } from '../../transport/index.ts';
import type {
  AuthService, DiskUsage, DiskUsageType, EngineEvent, EventQuery, EventService, Network, NetworkCreateOptions, NetworkService, RegistryAccess, SystemService, Volume, VolumeService,
} from '../../engine/index.ts';
import type { Digest } from '../../content/index.ts';
import { remoteOnly, type ApiClient } from './transport.ts';

const filterQuery = (filters?: Record<string, string[]>): string | undefined => (filters && Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined);

export function remoteVolumes(api: ApiClient): VolumeService {
  return {
    create: (o = {}) => api.json<Volume>('POST', '/volumes/create', { json: { Name: o.name, Driver: o.driver, DriverOpts: o.options, Labels: o.labels } }),
    list: async (filters) => (await api.json<{ Volumes: Volume[] | null }>('GET', '/volumes', { query: { filters: filterQuery(filters) } })).Volumes ?? [],
    inspect: (name) => api.json<Volume>('GET', `/volumes/${encodeURIComponent(name)}`),
    remove: (name, o = {}) => api.call('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: o.force } }),
    prune: async (o = {}) => {
      const r = await api.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: filterQuery({ ...o.filters, ...(o.all ? { all: ['true'] } : {}) }) } });
      return { VolumesDeleted: r.VolumesDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed };
    },
  };
}

export function remoteNetworks(api: ApiClient): NetworkService {
  const ipam = (o: NetworkCreateOptions): unknown => (o.subnet || o.gateway || o.ipRange ? { Driver: 'default', Config: [{ Subnet: o.subnet, Gateway: o.gateway, IPRange: o.ipRange }] } : undefined);
  return {
    create: (o) => api.json<{ Id: string }>('POST', '/networks/create', { json: { Name: o.name, Driver: o.driver, Internal: o.internal, Labels: o.labels, Options: o.options, IPAM: ipam(o), CheckDuplicate: true } }),
    list: (filters) => api.json<Network[]>('GET', '/networks', { query: { filters: filterQuery(filters) } }),
    inspect: (ref) => api.json<Network>('GET', `/networks/${encodeURIComponent(ref)}`),
    remove: (ref) => api.call('DELETE', `/networks/${encodeURIComponent(ref)}`),
    prune: async () => ({ NetworksDeleted: (await api.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune')).NetworksDeleted ?? [] }),
    connect: (network, container, o = {}) => api.call('POST', `/networks/${encodeURIComponent(network)}/connect`, { json: { Container: container, EndpointConfig: { Aliases: o.aliases, IPAMConfig: o.ip ? { IPv4Address: o.ip } : undefined } } }),
    disconnect: (network, container) => api.call('POST', `/networks/${encodeURIComponent(network)}/disconnect`, { json: { Container: container } }),
  };
}

interface DockerDf {
  LayersSize: number;
  Images: { Id: string; RepoTags: string[] | null; Created: number; Size: number; SharedSize: number }[] | null;
}

export function remoteSystem(api: ApiClient): SystemService {
  return {
    df: async () => {
      const df = await api.json<DockerDf>('GET', '/system/df');
      const images = (df.Images ?? []).map((i) => ({ id: i.Id as Digest, names: i.RepoTags ?? [], created: new Date(i.Created * 1000).toISOString(), size: i.Size, sharedSize: Math.max(0, i.SharedSize), uniqueSize: i.Size - Math.max(0, i.SharedSize) }));
      // The API counts bytes, not layers: the layer counts are unknown remotely.
      return { images, layers: { total: 0, shared: 0, size: df.LayersSize }, totalSize: df.LayersSize };
    },
    diskUsage: (types?: DiskUsageType[]) => api.json<DiskUsage>('GET', '/system/df', { query: { type: types } }),
    check: () => Promise.reject(remoteOnly('system check')),
    reset: () => Promise.reject(remoteOnly('system reset')),
  };
}

/** Logins: the daemon checks the credentials with the registry; the client keeps them, as docker does. */
export function remoteAuth(api: ApiClient): AuthService {
  return {
    login: async (server, creds, opts: RegistryAccess = {}) => {
      const r = await api.json<{ Status: string }>('POST', '/auth', { json: { username: creds.username, password: creds.password, serveraddress: server } });
      await new CredentialStore(opts.authFile).store(server, creds);
      return r.Status;
    },
    logout: async (server, opts = {}) => ({ key: credentialKey(server), removed: await new CredentialStore(opts.authFile).erase(server) }),
  };
}

/** Events as the daemon streams them (since/until in seconds on the wire). */
export function remoteEvents(api: ApiClient): EventService {
  const seconds = (ms?: number): string | undefined => (ms === undefined ? undefined : (ms / 1000).toFixed(3));
  return {
    watch: async function* (q: EventQuery = {}) {
      const res = await api.request('GET', '/events', { query: { since: seconds(q.since), until: seconds(q.until), filters: filterQuery(q.filters) }, signal: q.signal });
      yield* api.jsonLines<EngineEvent>(res);
    },
  };
}
