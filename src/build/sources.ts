// COPY --from sources: paths inside another stage's (or image's) root filesystem, globs included.
// Every path is resolved within that root, so a symlink there never leads to the host's files.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { notFound } from '../errdefs/index.ts';
import { resolveInRoot } from '../runtime/index.ts';
import type { CopyItem } from './copy.ts';
import { globMatch, hasGlob } from './patterns.ts';

/** A source in a root filesystem, with its path there (for --parents and --exclude). */
export type RootSource = CopyItem & { rel: string };

export function sourcesInRoot(rootfs: string, source: string): RootSource[] {
  const rel = posix.normalize(`/${source}`).slice(1).replace(/\/$/, '');
  const item = (r: string): RootSource | undefined => {
    const path = resolveInRoot(rootfs, r);
    try {
      return { path, rel: r, isDirectory: statSync(path).isDirectory() };
    } catch {
      return undefined;
    }
  };
  if (!hasGlob(rel)) {
    const found = item(rel);
    if (!found) throw notFound(`failed to compute cache key: "/${rel}": not found`, source);
    return [found];
  }
  const depth = rel.split('/').length;
  const matched: RootSource[] = [];
  const walk = (dirRel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(resolveInRoot(rootfs, dirRel))).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const childRel = dirRel ? `${dirRel}/${name}` : name;
      if (globMatch(rel, childRel)) {
        const found = item(childRel);
        if (found) matched.push(found);
      } else if (childRel.split('/').length < depth && lstatSync(resolveInRoot(rootfs, childRel)).isDirectory()) {
        walk(childRel);
      }
    }
  };
  walk('');
  if (matched.length === 0) throw notFound(`failed to compute cache key: no files match "${source}"`, source);
  return matched;
}
