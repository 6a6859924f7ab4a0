// `diff`: what a container changed in its root filesystem, read from its overlay upper directory
// against the image's layers (Docker's kinds: 0 modified, 1 added, 2 deleted).
//
// Overlay records a deletion as a 0/0 character device and a directory that replaced a lower one
// as "opaque" (its lower contents are hidden). Docker reports a directory as modified when
// something under it changed; so does berth, for every ancestor of a change.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { lgetxattr } from '../sys/index.ts';

export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

export const Modified = 0;
export const Added = 1;
export const Deleted = 2;

// Mount points the runtime creates when the image lacks them. Docker keeps these in an "init"
// layer below the container's, so they never show up in `diff` or `commit`; berth leaves them out.
const MOUNT_POINTS = new Set(['/proc', '/sys', '/dev', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf']);

/** `lowers` are the image's layer directories, bottom first. Sorted by path. */
export function containerChanges(upper: string, lowers: string[]): Promise<Change[]> {
  const below = new LowerView(lowers);
  const stub = mountPointStub(upper, lowers);
  const changes = new Map<string, Change['Kind']>();
  const record = (path: string, kind: Change['Kind']): void => {
    changes.set(path, kind);
    // Every directory above a change has changed too (Docker shows `C /etc` over `A /etc/x`).
    for (let dir = posix.dirname(path); dir !== '/' && !changes.has(dir); dir = posix.dirname(dir)) changes.set(dir, Modified);
  };

  const walk = (dir: string): void => {
    for (const name of readdirSync(join(upper, dir)).sort()) {
      const path = posix.join(dir, name);
      const st = lstatSync(join(upper, path));
      if (stub(path.slice(1), st)) continue;
      const existed = below.exists(path);
      if (isWhiteout(st)) {
        if (existed) record(path, Deleted);
        continue;
      }
      if (st.isDirectory()) {
        const opaque = isOpaque(join(upper, path));
        if (!existed) record(path, Added);
        else if (opaque || !sameDirectory(st, below.stat(path))) record(path, Modified);
        if (opaque && existed) {
          // Replaced: whatever the lower layers had in it is gone, unless written again above.
          for (const child of below.children(path)) {
            if (!existsIn(join(upper, path, child))) record(posix.join(path, child), Deleted);
          }
        }
        walk(path);
        continue;
      }
      record(path, existed ? Modified : Added);
    }
  };
  walk('/');
  return Promise.resolve([...changes].map(([Path, Kind]) => ({ Path, Kind })).sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0)));
}

/**
 * A filter for entries of the upper directory (paths relative to it, no leading slash) that are
 * only the runtime's mount points: an empty file or directory at a known mount point (or one of
 * `extra`, the container's own mounts) that the image does not have, and the directories the
 * runtime made to hold such a point. Used by `diff`, and by `commit` and builds, which must not
 * bake them into a layer.
 */
export function mountPointStub(upper: string, lowers: string[], extra: string[] = []): (rel: string, st: Stats) => boolean {
  const below = new LowerView(lowers);
  const points = new Set([...MOUNT_POINTS, ...extra.map((p) => posix.normalize(p))]);
  const holders = new Set(extra.flatMap((p) => {
    const out: string[] = [];
    for (let d = posix.dirname(posix.normalize(p)); d !== '/'; d = posix.dirname(d)) out.push(d);
    return out;
  }));
  const stub = (rel: string, st: Stats): boolean => {
    const path = `/${rel}`;
    if (below.exists(path)) return false;
    if (points.has(path)) {
      if (st.isFile()) return st.size === 0;
      if (st.isDirectory() && readdirSync(join(upper, rel)).length === 0) return true;
    }
    // A directory that exists only to hold mount points.
    if (!holders.has(path) || !st.isDirectory()) return false;
    return readdirSync(join(upper, rel)).every((n) => stub(`${rel}/${n}`, lstatSync(join(upper, rel, n))));
  };
  return stub;
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(abs: string): boolean {
  return lgetxattr(abs, 'trusted.overlay.opaque')?.toString() === 'y';
}

function sameDirectory(a: Stats, b: Stats | undefined): boolean {
  return b !== undefined && b.isDirectory() && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

function existsIn(abs: string): boolean {
  try {
    lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}

/** The image's layers as overlay merges them, for lookups by path. */
class LowerView {
  private readonly layers: string[];

  constructor(bottomFirst: string[]) {
    this.layers = [...bottomFirst].reverse();
  }

  /** The entry the merged image shows at `path`, or undefined when the image has none. */
  stat(path: string): Stats | undefined {
    const parts = path.split('/').filter(Boolean);
    for (const layer of this.layers) {
      // Walk down from the root in this layer: a whiteout above hides the path in this and every
      // lower layer; an opaque directory above hides it in the lower layers only.
      let hiddenBelow = false;
      for (let i = 1; i <= parts.length; i++) {
        const abs = join(layer, ...parts.slice(0, i));
        let st: Stats;
        try {
          st = lstatSync(abs);
        } catch {
          break;
        }
        if (isWhiteout(st)) return undefined;
        if (i === parts.length) return st;
        if (!st.isDirectory()) return undefined;
        if (isOpaque(abs)) hiddenBelow = true;
      }
      if (hiddenBelow) return undefined;
    }
    return undefined;
  }

  exists(path: string): boolean {
    return this.stat(path) !== undefined;
  }

  /** The names the merged image shows in directory `path`. */
  children(path: string): string[] {
    const names = new Set<string>();
    for (const layer of this.layers) {
      try {
        for (const n of readdirSync(join(layer, path))) names.add(n);
      } catch {
        // not in this layer
      }
    }
    return [...names].filter((n) => this.exists(posix.join(path, n))).sort();
  }
}
