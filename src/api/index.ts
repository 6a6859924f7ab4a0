// The Docker Engine API: the server that puts an Engine behind it (`berth daemon`).
export { serveApi, API_VERSION, MIN_API_VERSION, type Listener, type RunningApiServer } from './server/server.ts';
export { allRoutes } from './server/routes/index.ts';
export { parseTcpHost, isLoopback } from './hosts.ts';
export { loadDaemonConfig, type DaemonConfig } from './server/daemon-config.ts';
// The client: the Engine interface over a daemon's API (`berth --host`).
export { RemoteEngine } from './client/remote-engine.ts';
export type { ClientOptions } from './client/transport.ts';
