export * from './reference.ts';
export * from './mediatypes.ts';
export * from './manifest.ts';
export * from './platform.ts';
export { applyChanges, type ContainerConfig } from './changes.ts';
