// Network routes (moby's api/server/router/network): list, inspect, create, remove, connect,
// disconnect, prune. berth has one driver (bridge) with IPv4 IPAM: what it cannot do is refused
// with a message that says so, never ignored.
import { invalidArgument, notFound } from '../../../errdefs/index.ts';
import type { Route } from '../router.ts';
import { queryFilters, readJson } from '../request.ts';
import { bool, list, object, parseBody, str, stringMap, strings, anyValue } from '../schema.ts';

const ipamConfig = object('IPAMConfig', { Subnet: str, IPRange: str, Gateway: str, AuxiliaryAddresses: stringMap });
const createBody = object('CreateRequest', {
  Name: str,
  CheckDuplicate: bool,
  Driver: str,
  Scope: str,
  Internal: bool,
  Attachable: bool,
  Ingress: bool,
  ConfigOnly: bool,
  ConfigFrom: anyValue,
  EnableIPv4: bool,
  EnableIPv6: bool,
  IPAM: object('IPAM', { Driver: str, Config: list(ipamConfig, '[]network.IPAMConfig'), Options: stringMap }),
  Options: stringMap,
  Labels: stringMap,
});

const connectBody = object('ConnectOptions', {
  Container: str,
  EndpointConfig: object('EndpointSettings', {
    Aliases: strings,
    IPAMConfig: object('EndpointIPAMConfig', { IPv4Address: str, IPv6Address: str, LinkLocalIPs: strings }),
  }),
});
const disconnectBody = object('DisconnectOptions', { Container: str, Force: bool });

const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];
const PRUNE_FILTERS = ['label', 'label!', 'until'];

/** What berth's bridge driver cannot do, refused by name. */
function refuseUnsupported(b: NonNullable<ReturnType<typeof createBody>>): void {
  if (b.EnableIPv6) throw invalidArgument('berth networks are IPv4 only: EnableIPv6 is not supported');
  if (b.EnableIPv4 === false) throw invalidArgument('berth networks are IPv4 only: EnableIPv4 cannot be false');
  if (b.Ingress) throw invalidArgument('ingress networks need swarm mode, which berth does not have');
  if (b.ConfigOnly || (b.ConfigFrom !== undefined && b.ConfigFrom !== null && (b.ConfigFrom as { Network?: unknown }).Network)) throw invalidArgument('config-only networks are not supported by berth');
  if (b.Scope && b.Scope !== 'local') throw invalidArgument(`scope ${JSON.stringify(b.Scope)} is not supported: berth networks are local`);
  if (b.IPAM?.Driver && b.IPAM.Driver !== 'default') throw invalidArgument(`IPAM driver ${JSON.stringify(b.IPAM.Driver)} is not supported: berth has the default one`);
  const configs = b.IPAM?.Config ?? [];
  if (configs.length > 1) throw invalidArgument('berth networks have one IPv4 subnet: give at most one IPAM config');
  const c = configs[0];
  if (c?.Subnet?.includes(':')) throw invalidArgument(`IPv6 subnet ${c.Subnet} is not supported: berth networks are IPv4 only`);
  if (c && !c.Subnet && (c.Gateway || c.IPRange)) throw invalidArgument('a gateway or IP range needs a subnet');
  if (c?.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length > 0) throw invalidArgument('auxiliary addresses are not supported by berth');
}

export const networkRoutes: Route[] = [
  {
    method: 'GET',
    path: '/networks',
    handler: async (req, reply, { engine }) => {
      const { dangling, scope, ...filters } = queryFilters(req.query);
      for (const k of Object.keys(filters)) if (!LIST_FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
      let nets = await engine.networks.list(filters);
      // Every berth network is local; dangling ones are those no container is on.
      if ((scope ?? []).some((s) => s !== 'local')) nets = [];
      if (dangling?.length) {
        const want = dangling.map((v) => ['1', 'true'].includes(v.toLowerCase()));
        nets = nets.filter((n) => want.every((w) => w === (Object.keys((n.Containers ?? {}) as object).length === 0 && !['bridge', 'host', 'none'].includes(n.Name))));
      }
      reply.json(200, nets);
    },
  },
  {
    method: 'GET',
    path: '/networks/{id}',
    handler: async (req, reply, { engine }) => {
      const id = req.params.id as string;
      const scope = req.query.get('scope');
      // A swarm scope finds nothing here (dockerd answers the same for a local network asked with scope=swarm).
      if (scope && scope !== 'local') throw notFound(`network ${id} not found`, id);
      reply.json(200, await engine.networks.inspect(id));
    },
  },
  {
    method: 'POST',
    path: '/networks/create',
    handler: async (req, reply, { engine }) => {
      const b = parseBody(createBody, await readJson(req));
      if (!b.Name) throw invalidArgument('invalid network name: the name must not be empty');
      refuseUnsupported(b);
      const c = b.IPAM?.Config?.[0];
      const { Id } = await engine.networks.create({
        name: b.Name,
        driver: b.Driver || undefined,
        subnet: c?.Subnet || undefined,
        gateway: c?.Gateway || undefined,
        ipRange: c?.IPRange || undefined,
        internal: b.Internal ?? false,
        labels: b.Labels,
        options: b.Options,
      });
      reply.json(201, { Id, Warning: '' });
    },
  },
  {
    method: 'DELETE',
    path: '/networks/{id}',
    handler: async (req, reply, { engine }) => {
      await engine.networks.remove(req.params.id as string);
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/connect',
    handler: async (req, reply, { engine }) => {
      const b = parseBody(connectBody, await readJson(req));
      if (!b.Container) throw invalidArgument('a container name or ID is required (Container)');
      if (b.EndpointConfig?.IPAMConfig?.IPv6Address) throw invalidArgument('berth networks are IPv4 only: IPv6Address is not supported');
      await engine.networks.connect(req.params.id as string, b.Container, {
        aliases: b.EndpointConfig?.Aliases,
        ip: b.EndpointConfig?.IPAMConfig?.IPv4Address || undefined,
      });
      reply.empty(200);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/disconnect',
    handler: async (req, reply, { engine }) => {
      const b = parseBody(disconnectBody, await readJson(req));
      if (!b.Container) throw invalidArgument('a container name or ID is required (Container)');
      await engine.networks.disconnect(req.params.id as string, b.Container);
      reply.empty(200);
    },
  },
  {
    method: 'POST',
    path: '/networks/prune',
    handler: async (req, reply, { engine }) => {
      const filters = queryFilters(req.query);
      for (const k of Object.keys(filters)) if (!PRUNE_FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
      reply.json(200, await engine.networks.prune(filters));
    },
  },
];
