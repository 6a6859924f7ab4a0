export { serveRegistry, type ServeOptions, type RunningRegistry } from './serve.ts';
export { RegistryStorage } from './storage.ts';
export { collectGarbage, checkStorage, type GcResult } from './gc.ts';
