// Every route the daemon serves, by area (moby's api/server/router/*).
import type { Route } from '../router.ts';
import { systemRoutes } from './system.ts';
import { execRoutes } from './exec.ts';
import { interimInspectRoutes } from './container-inspect-interim.ts';
import { imageRoutes } from './images.ts';
import { buildRoutes } from './build.ts';
import { authRoutes } from './auth.ts';

export const allRoutes: Route[] = [...systemRoutes, ...execRoutes, ...interimInspectRoutes, ...imageRoutes, ...buildRoutes, ...authRoutes];
