// COPY and ADD into a working container's root filesystem, with Docker's destination rules: a
// directory source copies its contents; a destination ending in `/`, an existing directory or
// several sources make the destination a directory; missing parents are created. Everything goes
// through the hardened layer extractor, so no entry lands outside the root filesystem.
import { chmodSync, chownSync, createReadStream, lstatSync, mkdirSync, statSync } from 'node:fs';
import { basename, posix } from 'node:path';
import { invalidArgument } from '../errdefs/index.ts';
import { applyLayer, decompress, tarPath } from '../layer/index.ts';
import { readInRoot, resolveInRoot } from '../runtime/index.ts';

export interface CopyItem {
  /** Host path of the source (a file or directory; a top-level symlink already followed). */
  path: string;
  isDirectory: boolean;
  /** Entries below a directory source to leave out (path relative to the source). */
  exclude?: (rel: string, isDirectory: boolean) => boolean;
  /** `COPY --parents`: the source's path to keep under the destination. */
  keepPath?: string;
  /** The name it takes in a destination directory, when not its file name (a download's). */
  name?: string;
  /** A download: ADD copies it as it is, archive or not. */
  downloaded?: boolean;
}

export interface CopyOptions {
  /** Owner of every copied entry (`--chown`), resolved; otherwise root for the context, the source's for `--from`. */
  owner?: { uid: number; gid: number };
  /** `--chmod` bits. */
  chmod?: number;
  /** ADD: a local tar archive (plain, gzip or zstd) is extracted instead of copied. */
  extractArchives?: boolean;
  sourceDateEpoch?: number;
}

/** Resolves `--chown=user[:group]` in the container's /etc/passwd and /etc/group (Docker: a lone user or uid is also the gid). */
export function resolveChown(rootfs: string, spec: string): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':', 2);
  const uid = idOf(user, readInRoot(rootfs, '/etc/passwd'), 'user', 2);
  const gid = group === undefined || group === '' ? uid : idOf(group, readInRoot(rootfs, '/etc/group'), 'group', 2);
  return { uid, gid };
}

function idOf(name: string, file: string | undefined, what: string, idField: number): number {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of (file ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[idField] !== undefined && /^\d+$/.test(f[idField] as string)) return Number(f[idField]);
  }
  throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find ${what} ${name}: no matching entries in ${what === 'user' ? 'passwd' : 'group'} file`);
}

/**
 * Creates `path` (absolute, in the container) and its missing parents inside `rootfs`, 0755 and
 * owned by `owner` (fsutil's MkdirAll as BuildKit calls it); existing ones are left as they are.
 * Returns the host path.
 */
export function ensureDirectory(rootfs: string, path: string, owner: { uid: number; gid: number }): string {
  let at = '/';
  for (const part of posix.normalize(path).split('/').filter(Boolean)) {
    at = posix.join(at, part);
    const host = resolveInRoot(rootfs, at);
    try {
      mkdirSync(host, { mode: 0o755 });
      chownSync(host, owner.uid, owner.gid);
      chmodSync(host, 0o755); // past the umask
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      if (!statSync(host).isDirectory()) throw invalidArgument(`cannot copy to ${path}: ${at} is not a directory`);
    }
  }
  return resolveInRoot(rootfs, path);
}

/**
 * Copies `items` to `dest` (absolute, in the container) inside `rootfs`. As BuildKit: a directory
 * the copy needs is created 0755 and owned by `--chown`'s owner (root without it), an existing
 * destination directory keeps its mode and owner, and a directory source gives its contents.
 */
export async function copyInto(rootfs: string, items: CopyItem[], dest: string, destIsDirectory: boolean, o: CopyOptions): Promise<void> {
  const existingDir = isDirectoryIn(rootfs, dest);
  const asDirectory = destIsDirectory || existingDir || items.length > 1;
  if (items.length > 1 && !destIsDirectory && !existingDir && items.some((i) => i.keepPath === undefined)) {
    throw invalidArgument('When using COPY with more than one source file, the destination must be a directory and end with a /');
  }
  const created = o.owner ?? { uid: 0, gid: 0 };
  const destPath = posix.normalize(`/${dest}`);
  const apply = (tar: AsyncIterable<Buffer | Uint8Array>, into: string, what = 'COPY'): Promise<unknown> =>
    applyLayer(tar, into, { whiteouts: 'none', owner: o.owner, chmod: o.chmod, what });
  for (const item of items) {
    if (item.keepPath !== undefined) {
      const into = ensureDirectory(rootfs, destPath, created);
      await apply(tarPath(item.path, item.keepPath === '' ? '.' : item.keepPath, { exclude: item.exclude }), into);
      continue;
    }
    if (item.isDirectory) {
      // Its contents, into the destination directory (whose own metadata stays).
      await apply(tarPath(item.path, '.', { exclude: item.exclude }), ensureDirectory(rootfs, destPath, created));
      continue;
    }
    if (o.extractArchives && !item.downloaded && (await isTarArchive(item.path))) {
      // ADD of a local archive: its contents go into the destination directory.
      await apply(createReadStream(item.path), ensureDirectory(rootfs, destPath, created), `ADD ${basename(item.path)}`);
      continue;
    }
    const target = asDirectory ? posix.join(destPath, item.name ?? basename(item.path)) : destPath;
    if (target === '/') throw invalidArgument(`cannot copy the file ${item.path} over the root directory`);
    await apply(tarPath(item.path, posix.basename(target)), ensureDirectory(rootfs, posix.dirname(target), created));
  }
}

function isDirectoryIn(rootfs: string, path: string): boolean {
  try {
    return statSync(resolveInRoot(rootfs, path)).isDirectory();
  } catch {
    return false;
  }
}

/** A tar, plain or gzip/zstd-compressed: what ADD unpacks (anything else it copies as it is). */
async function isTarArchive(path: string): Promise<boolean> {
  if (!lstatSync(path).isFile()) return false;
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of decompress(createReadStream(path, { highWaterMark: 64 * 1024 }))) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 512) break;
    }
  } catch {
    return false; // compressed, but not validly: a file to copy
  }
  return head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';
}
