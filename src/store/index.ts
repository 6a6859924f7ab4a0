export { ImageStore, liveSets, type NewImage, type Removed, type SweepResult } from './store.ts';
export { LayerStore } from './layers.ts';
export { checkStore, type Finding } from './check.ts';
export { diskUsage, type StoreUsage, type ImageUsage } from './df.ts';
export { storeBlob, BlobWriter, looksLikeLayer, type StoredBlob } from './ingest.ts';
