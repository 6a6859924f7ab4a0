// Every route the daemon serves, by area (moby's api/server/router/*).
import type { Route } from '../router.ts';
import { systemRoutes } from './system.ts';
import { containerRoutes } from './containers.ts';

export const allRoutes: Route[] = [...systemRoutes, ...containerRoutes];
