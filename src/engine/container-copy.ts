// `cp` inside a container: stat a path, archive it, extract a tar into a directory — the three
// operations behind the Docker API's HEAD/GET/PUT /containers/{id}/archive. Every path is resolved
// within the root filesystem (resolveInRoot): a container's symlink never leads to the host's files.
import { lstatSync, type BigIntStats } from 'node:fs';
import { join, posix, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { errnoCode, failedPrecondition, invalidArgument, notFound, type BerthError } from '../errdefs/index.ts';
import { applyLayer, tarPath } from '../layer/index.ts';
import { resolveInRoot } from '../runtime/index.ts';

/** Docker's X-Docker-Container-Path-Stat; `mode` holds Go's os.FileMode bits, as the API carries them. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode type bits (uint32: the top bit does not fit a 32-bit signed shift). */
export const FileMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

export function hasMode(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}

// Go's path rules, which decide what a copy does with "dir/", "dir/." and "/" (pkg/archive/copy.go).

/** filepath.Clean. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** filepath.Base: "." for "", "/" for the root. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const s = p.replace(/\/+$/, '');
  if (s === '') return '/';
  return s.slice(s.lastIndexOf('/') + 1);
}

/** filepath.Dir: everything up to the last separator, cleaned. */
export function goDir(p: string): string {
  return goClean(p.slice(0, p.lastIndexOf('/') + 1));
}

export const hasTrailingSeparator = (p: string): boolean => p.endsWith('/');
export const specifiesCurrentDir = (p: string): boolean => goBase(p) === '.';
/** A path that can only name a directory: "x/" or "x/.". */
export const assertsDirectory = (p: string): boolean => hasTrailingSeparator(p) || specifiesCurrentDir(p);

/** Cleaning drops a trailing "/" or "/.", which decide what a copy does: put it back. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let p = cleaned;
  if (!specifiesCurrentDir(p) && specifiesCurrentDir(original)) p = `${hasTrailingSeparator(p) ? p : `${p}/`}.`;
  if (!hasTrailingSeparator(p) && hasTrailingSeparator(original)) p = `${p}/`;
  return p;
}

/** The directory and last element of a path, keeping a trailing "." ("a/." → ["a", "."]). */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = goClean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return [goDir(cleaned), goBase(cleaned)];
}

/** The path as an absolute container path, its trailing "/" or "/." kept. */
function containerPath(path: string): string {
  return preserveTrailingDotOrSeparator(goClean(`/${path}`), path);
}

function fileNotFound(path: string, container: string): BerthError {
  return notFound(`Could not find the file ${path} in container ${container}`, path);
}

/** lstat, with a missing path (or one through a non-directory) as Docker's "Could not find the file". */
function lstatIn(host: string, path: string, container: string): BigIntStats {
  try {
    return lstatSync(host, { bigint: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw fileNotFound(path, container);
    throw err;
  }
}

/**
 * Docker's ResolvePath + StatPath: the parent is resolved within the root, the last element is not
 * followed (a symlink is reported as one, with its target resolved within the root).
 */
function locate(rootfs: string, path: string, container: string): { stat: PathStat; host: string } {
  const abs = containerPath(path);
  const slash = abs.lastIndexOf('/');
  const host = join(resolveInRoot(rootfs, abs.slice(0, slash + 1)), abs.slice(slash + 1));
  const st = lstatIn(host, path, container);
  const linkTarget = st.isSymbolicLink() ? `/${relative(rootfs, resolveInRoot(rootfs, abs))}` : '';
  return { host, stat: { name: goBase(abs), size: Number(st.size), mode: goFileMode(st), mtime: goTime(st.mtimeNs), linkTarget } };
}

/** `container` is the name the request used, for Docker's "Could not find the file … in container …". */
export function statInRoot(rootfs: string, path: string, container: string): PathStat {
  return locate(rootfs, path, container).stat;
}

export interface ArchiveOptions {
  /** The archive's top entry name instead of the path's last element (Docker's rebase, for `cp -L`). */
  name?: string;
}

/**
 * A tar of `path` — a file, or a directory with everything under it — its top entry named by the
 * path's last element ("." for "dir/.", "/" for the root). The tar must be read before the root
 * filesystem goes away (inside withRootfs).
 */
export function archiveFromRoot(rootfs: string, path: string, container: string, opts: ArchiveOptions = {}): { stat: PathStat; tar: Readable } {
  const { stat, host } = locate(rootfs, path, container);
  return { stat, tar: tarPath(host, opts.name ?? stat.name) };
}

export interface ExtractOptions {
  /** Docker's noOverwriteDirNonDir: refuse to replace a directory by a non-directory and back. */
  noOverwriteDirNonDir?: boolean;
  /** Every extracted entry owned by this instead of the tar's uid/gid. */
  owner?: { uid: number; gid: number };
  /** The container's HostConfig.ReadonlyRootfs: nothing may be written. */
  readonlyRootfs?: boolean;
}

/**
 * Extracts a tar into the directory `path` of the container. Unlike a stat, the last element is
 * followed too: a symlink to a directory is a fine place to extract to.
 */
export async function extractIntoRoot(rootfs: string, path: string, container: string, input: AsyncIterable<Buffer | Uint8Array>, opts: ExtractOptions = {}): Promise<void> {
  const host = resolveInRoot(rootfs, containerPath(path));
  if (!lstatIn(host, path, container).isDirectory()) throw invalidArgument('extraction point is not a directory', path);
  if (opts.readonlyRootfs) throw failedPrecondition('container rootfs is marked read-only', container);
  await applyLayer(input, host, { whiteouts: 'none', owner: opts.owner, noOverwriteDirNonDir: opts.noOverwriteDirNonDir, what: 'archive' });
}

function goFileMode(st: BigIntStats): number {
  const m = Number(st.mode);
  let mode = m & 0o777;
  if (m & 0o4000) mode += FileMode.setuid;
  if (m & 0o2000) mode += FileMode.setgid;
  if (m & 0o1000) mode += FileMode.sticky;
  if (st.isDirectory()) mode += FileMode.dir;
  else if (st.isSymbolicLink()) mode += FileMode.symlink;
  else if (st.isBlockDevice()) mode += FileMode.device;
  else if (st.isCharacterDevice()) mode += FileMode.device + FileMode.charDevice;
  else if (st.isFIFO()) mode += FileMode.namedPipe;
  else if (st.isSocket()) mode += FileMode.socket;
  return mode;
}

/** Go's time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros dropped), in UTC. */
function goTime(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}
