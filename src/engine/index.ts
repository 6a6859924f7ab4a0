export type * from './types.ts';
export { LocalEngine } from './local.ts';
export { filterFlags } from './filters.ts';
export { humanDuration, statusText } from './container-view.ts';
export { statInRoot, archiveFromRoot, extractIntoRoot, FileMode, hasMode, goBase, goClean, assertsDirectory, hasTrailingSeparator, specifiesCurrentDir, preserveTrailingDotOrSeparator, splitPathDirEntry, type PathStat, type ArchiveOptions, type ExtractOptions } from './container-copy.ts';
export { tarDirectory } from '../layer/index.ts';
export { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from './detach-keys.ts';
