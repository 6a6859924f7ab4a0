export { writeFileAtomic, readFileIfExists } from './atomic.ts';
export { withLock } from './lock.ts';
export { ImageMeta, type ImageRecord, type LayerRecord, type ImagesDocument } from './images.ts';
