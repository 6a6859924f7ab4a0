// GET /system/df: disk usage as dockerd reports it (moby's system router).
import { invalidArgument } from '../../../errdefs/index.ts';
import type { DiskUsageType } from '../../../engine/index.ts';
import type { Route } from '../router.ts';

const TYPES: DiskUsageType[] = ['image', 'container', 'volume', 'build-cache'];

export const systemDfRoutes: Route[] = [
  {
    method: 'GET',
    path: '/system/df',
    handler: async (req, reply, { engine }) => {
      // API 1.42+: `type` (repeated) asks for some kinds only; none asks for all.
      const asked = req.version.atLeast('1.42') ? req.query.getAll('type') : [];
      for (const t of asked) if (!TYPES.includes(t as DiskUsageType)) throw invalidArgument(`unknown object type: ${t}`);
      const usage = await engine.system.diskUsage(asked.length > 0 ? (asked as DiskUsageType[]) : TYPES);
      reply.json(200, usage);
    },
  },
];
