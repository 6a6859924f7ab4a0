// Every route the daemon serves, by area (moby's api/server/router/*).
import type { Route } from '../router.ts';
import { systemRoutes } from './system.ts';
import { systemDfRoutes } from './system-df.ts';
import { eventRoutes } from './events.ts';
import { containerRoutes } from './containers.ts';
import { execRoutes } from './exec.ts';
import { imageRoutes } from './images.ts';
import { buildRoutes } from './build.ts';
import { authRoutes } from './auth.ts';
import { volumeRoutes } from './volumes.ts';
import { networkRoutes } from './networks.ts';

export const allRoutes: Route[] = [
  ...systemRoutes, ...systemDfRoutes, ...eventRoutes, ...containerRoutes, ...execRoutes, ...imageRoutes, ...buildRoutes, ...authRoutes, ...volumeRoutes, ...networkRoutes,
];
