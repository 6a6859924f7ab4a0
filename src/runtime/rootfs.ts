// Reading files inside a container's root filesystem as the container would see them: symlinks
// resolve against the container's root, never the host's, so a hostile image cannot make berth
// read /etc/shadow of the host by linking its /etc/passwd there.
import { lstatSync, readlinkSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const MAX_LINKS = 40;

/** The host path of `path` inside `root`, every symlink resolved within `root` (like openat2 RESOLVE_IN_ROOT). */
export function resolveInRoot(root: string, path: string): string {
  let pending = posix.normalize(`/${path}`).split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      // Missing: the rest cannot contain links; the caller gets a path that does not exist.
      return join(root, ...done, part, ...pending);
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links in ${path}`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter(Boolean), ...pending];
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

/** A file's text inside the root, or undefined when it does not exist. */
export function readInRoot(root: string, path: string): string | undefined {
  try {
    return readFileSync(resolveInRoot(root, path), 'utf8');
  } catch {
    return undefined;
  }
}
