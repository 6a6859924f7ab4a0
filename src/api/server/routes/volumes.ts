// Volume routes (moby's api/server/router/volume): list, create, inspect, remove, prune.
import { invalidArgument, isKind } from '../../../errdefs/index.ts';
import type { Route } from '../router.ts';
import { queryBool, queryFilters, readJson } from '../request.ts';
import { object, parseBody, str, stringMap } from '../schema.ts';

const createBody = object('CreateOptions', { Name: str, Driver: str, DriverOpts: stringMap, Labels: stringMap });

const PRUNE_FILTERS = ['label', 'label!', 'all'];

export const volumeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/volumes',
    handler: async (req, reply, { engine }) => {
      const volumes = await engine.volumes.list(queryFilters(req.query));
      reply.json(200, { Volumes: volumes, Warnings: [] });
    },
  },
  {
    method: 'POST',
    path: '/volumes/create',
    handler: async (req, reply, { engine }) => {
      const b = parseBody(createBody, await readJson(req));
      // Docker: an empty name is a volume with a generated name.
      const v = await engine.volumes.create({ name: b.Name || undefined, driver: b.Driver || undefined, options: b.DriverOpts, labels: b.Labels });
      reply.json(201, v);
    },
  },
  {
    method: 'GET',
    path: '/volumes/{name}',
    handler: async (req, reply, { engine }) => {
      reply.json(200, await engine.volumes.inspect(req.params.name as string));
    },
  },
  {
    method: 'DELETE',
    path: '/volumes/{name}',
    handler: async (req, reply, { engine }) => {
      const force = queryBool(req.query, 'force');
      try {
        await engine.volumes.remove(req.params.name as string, { force });
      } catch (err) {
        // dockerd: "no 'not found' error is produced if force is enabled".
        if (!(force && isKind(err, 'NotFound'))) throw err;
      }
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/volumes/prune',
    handler: async (req, reply, { engine }) => {
      const filters = queryFilters(req.query);
      for (const k of Object.keys(filters)) if (!PRUNE_FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
      const { all: allValues, ...rest } = filters;
      // Before API 1.42 a prune took named volumes too (the `all` filter came with 1.42).
      const all = req.version.below('1.42') || (allValues ?? []).some((v) => ['1', 'true'].includes(v.toLowerCase()));
      for (const v of allValues ?? []) if (!['0', '1', 'true', 'false'].includes(v.toLowerCase())) throw invalidArgument(`invalid filter 'all=${v}': invalid value`);
      reply.json(200, await engine.volumes.prune({ all, filters: rest }));
    },
  },
];
