// The command table. Modules load lazily so that start-up costs only what the command uses.
import type { Command } from '../command.ts';

export interface CommandEntry {
  /** The canonical path and its aliases: [['image', 'ls'], ['images'], ['image', 'list']]. */
  paths: string[][];
  summary: string;
  /** Shown in the top-level help's common list. */
  common?: boolean;
  load: () => Promise<{ command: Command }>;
}

export const commands: CommandEntry[] = [
  { paths: [['image', 'ls'], ['images'], ['image', 'list']], summary: 'List images', common: true, load: () => import('./image/ls.ts') },
  { paths: [['image', 'inspect']], summary: 'Display detailed information on one or more images', load: () => import('./image/inspect.ts') },
  { paths: [['inspect']], summary: 'Return low-level information on berth objects', load: () => import('./image/inspect.ts') },
  { paths: [['image', 'tag'], ['tag']], summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', load: () => import('./image/tag.ts') },
  { paths: [['image', 'rm'], ['rmi'], ['image', 'remove']], summary: 'Remove one or more images', load: () => import('./image/rm.ts') },
  { paths: [['image', 'history'], ['history']], summary: 'Show the history of an image', load: () => import('./image/history.ts') },
  { paths: [['image', 'prune']], summary: 'Remove unused images', load: () => import('./image/prune.ts') },
  { paths: [['image', 'import'], ['import']], summary: 'Import the contents from a tarball to create a filesystem image', load: () => import('./image/import.ts') },
  { paths: [['image', 'load'], ['load']], summary: 'Load an image from a tar archive or STDIN', load: () => import('./image/load.ts') },
  { paths: [['image', 'save'], ['save']], summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)', load: () => import('./image/save.ts') },
  { paths: [['system', 'df']], summary: 'Show berth disk usage', load: () => import('./system/df.ts') },
  { paths: [['system', 'check']], summary: 'Verify every blob, layer and reference in the store', load: () => import('./system/check.ts') },
  { paths: [['version']], summary: 'Show the berth version information', common: true, load: () => import('./system/version.ts') },
];
