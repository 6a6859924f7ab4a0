// Where a tar entry may land: inside the target, never through a symlink, never above the root.
import { posix, join } from 'node:path';
import { invalidArgument, type BerthError } from '../errdefs/index.ts';
import { diskTree, type Tree } from './tree.ts';

/**
 * The entry's path relative to the layer root, normalised. Absolute names are taken relative to
 * the root (as Docker does); names that climb above it are refused.
 */
export function cleanEntryPath(name: string, refuse: (why: string) => BerthError): string {
  if (name.includes('\0')) throw refuse('the name contains a NUL byte');
  const n = posix.normalize(`/${name}`);
  // normalize('/..') is '/', so a climbing path is caught by comparing with the raw components.
  if (name.split('/').includes('..')) {
    const depthCheck = posix.normalize(name.replace(/^\/+/, ''));
    if (depthCheck === '..' || depthCheck.startsWith('../')) throw refuse('path escapes the layer root');
  }
  return n === '/' ? '' : n.slice(1).replace(/\/$/, '');
}

/**
 * Makes sure every parent directory of `rel` exists inside `root` as a real directory, creating
 * missing ones; refuses a parent that is a symlink (writing through it could leave the root).
 */
export function ensureParents(
  root: string,
  rel: string,
  refuse: (why: string) => BerthError,
  created?: Set<string>,
  known?: Set<string>,
  tree: Tree = diskTree,
): void {
  const slash = rel.lastIndexOf('/');
  // `known` holds directories already checked by this extraction (the caller forgets them when it
  // replaces anything): most entries share their parent with the entry before.
  if (slash === -1 || known?.has(rel.slice(0, slash))) return;
  const parts = rel.split('/');
  parts.pop();
  let cur = '';
  for (const p of parts) {
    cur = cur ? `${cur}/${p}` : p;
    if (known?.has(cur)) continue;
    const abs = join(root, cur);
    const kind = tree.kind(abs);
    if (kind === undefined) {
      tree.mkdir(abs, 0o755);
      created?.add(cur);
      known?.add(cur);
      continue;
    }
    if (kind === 'symlink') throw refuse(`its parent "${cur}" is a symbolic link; writing through it could leave the layer root`);
    if (kind !== 'dir') throw refuse(`its parent "${cur}" is not a directory`);
    known?.add(cur);
  }
}

export function layerError(what: string, entry: string, why: string): BerthError {
  return invalidArgument(`${what} entry ${JSON.stringify(entry)}: ${why}`, entry);
}
