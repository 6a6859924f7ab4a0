// `cp`: tar archives of paths inside a container's root filesystem, and extraction into it,
// resolving every path inside the rootfs (a container's symlink never leads out of it).
// STUB: to be written (helper C).
import type { Writable } from 'node:stream';
import { BerthError } from '../errdefs/index.ts';

/** Docker's X-Docker-Container-Path-Stat. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export function statInRoot(rootfs: string, path: string): Promise<PathStat> {
  void rootfs;
  void path;
  return Promise.reject(new BerthError('Internal', 'cp: not implemented'));
}

/** Writes a tar of `path` (a file or a directory, named by its base name) to `out`. */
export function archiveFromRoot(rootfs: string, path: string, out: Writable): Promise<PathStat> {
  void rootfs;
  void path;
  void out;
  return Promise.reject(new BerthError('Internal', 'cp: not implemented'));
}

export interface ExtractOptions {
  /** Docker's noOverwriteDirNonDir: refuse to replace a directory by a non-directory and back. */
  noOverwriteDirNonDir?: boolean;
}

/** Extracts a tar into the directory `path` of the container. */
export function extractIntoRoot(rootfs: string, path: string, input: AsyncIterable<Buffer>, opts: ExtractOptions = {}): Promise<void> {
  void rootfs;
  void path;
  void input;
  void opts;
  return Promise.reject(new BerthError('Internal', 'cp: not implemented'));
}
