export { loadArchive, type ArchiveInput, type LoadedImage } from './archive-load.ts';
export { saveArchive, saveArchiveToFile, type SaveItem } from './archive-save.ts';
export * from './registry/index.ts';
export { copyImage, type RawManifest, type ImageSource, type ImageDestination, type CopyOptions, type CopyProgress, type CopyResult } from './copy.ts';
export { parseLocation, type Location } from './location.ts';
export { LayoutSource, LayoutDestination } from './layout.ts';
export { openArchiveSource, ArchiveDestination } from './archive-location.ts';
export { StoreSource, StoreDestination } from './store-location.ts';
