export { applyLayer, checkLayer, startLayerCheck, type ApplyOptions, type ApplyResult, type CheckOptions, type LayerCheck, type LayerInput } from './apply.ts';
export { diffDirectory, tarDirectory, type DiffOptions } from './diff.ts';
export { compress, decompress, detectCompression, type Compression } from './compression.ts';
export { TarParser, TarError, type TarHeader, type TarHandler, type EntryType } from './tar-reader.ts';
export { encodeHeader, padding, TAR_END, type WriteHeader } from './tar-writer.ts';
export { tarPath, rebaseTar } from './path-tar.ts';
