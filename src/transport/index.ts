export { loadArchive, type LoadedImage } from './archive-load.ts';
export { saveArchive, type SaveItem } from './archive-save.ts';
export * from './registry/index.ts';
