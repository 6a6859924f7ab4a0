export type * from './types.ts';
export { LocalEngine } from './local.ts';
export { filterFlags } from './filters.ts';
export { humanDuration, statusText } from './container-view.ts';
export { statInRoot, archiveFromRoot, extractIntoRoot, FileMode, hasMode, goBase, goClean, assertsDirectory, hasTrailingSeparator, specifiesCurrentDir, preserveTrailingDotOrSeparator, splitPathDirEntry, type PathStat, type ArchiveOptions, type ExtractOptions } from './container-copy.ts';
// The flag parsers a remote client needs to build an API request the way this engine reads one.
export { hostConfig } from './container-options.ts';
export { parsePublish, parseExpose } from './container-ports.ts';
export { parseTmpfs } from './container-mounts.ts';
export { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from './detach-keys.ts';
export { validateMirror } from './mirrors.ts';
export { tarDirectory } from '../layer/index.ts';
