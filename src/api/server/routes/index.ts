// Every route the daemon serves, by area (moby's api/server/router/*).
import type { Route } from '../router.ts';
import { systemRoutes } from './system.ts';
import { systemDfRoutes } from './system-df.ts';
import { eventRoutes } from './events.ts';
import { volumeRoutes } from './volumes.ts';
import { networkRoutes } from './networks.ts';

export const allRoutes: Route[] = [...systemRoutes, ...systemDfRoutes, ...eventRoutes, ...volumeRoutes, ...networkRoutes];
