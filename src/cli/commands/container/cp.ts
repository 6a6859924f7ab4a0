// `berth cp`: files and directories between a container and the local filesystem, with Docker's
// rules for where a copy lands (docker/cli cp.go over pkg/archive copy.go): a trailing "/" says
// "a directory", a trailing "/." says "its contents", and `-` is a tar stream on stdin or stdout.
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../../command.ts';
import { errnoCode, invalidArgument } from '../../../errdefs/index.ts';
import {
  archiveFromRoot, assertsDirectory, extractIntoRoot, FileMode, goBase, goClean, hasMode, hasTrailingSeparator,
  preserveTrailingDotOrSeparator, specifiesCurrentDir, splitPathDirEntry, statInRoot, type Engine,
} from '../../../engine/index.ts';
import { applyLayer, tarPath } from '../../../layer/index.ts';
import { humanSize } from '../../format/index.ts';

interface CopyConfig {
  container: string;
  src: string;
  dst: string;
  followLink: boolean;
  /** -a: keep the source's uid/gid (Docker's documented meaning of the flag). */
  archive: boolean;
  quiet: boolean;
}

/** pkg/archive's CopyInfo: a side of the copy, and `name`, the top entry name its archive has. */
interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  name: string;
}

export const command: Command = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { name: 'archive', short: 'a', type: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', type: 'bool', help: 'Always follow symbol link in SRC_PATH' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  async run(ctx, flags, args) {
    const [source, destination] = args as [string, string];
    if (source === '') throw invalidArgument('source can not be empty');
    if (destination === '') throw invalidArgument('destination can not be empty');
    const [srcContainer, src] = splitCpArg(source);
    const [dstContainer, dst] = splitCpArg(destination);
    if (srcContainer && dstContainer) throw invalidArgument('copying between containers is not supported');
    if (!srcContainer && !dstContainer) throw invalidArgument('must specify at least one container source');
    const cfg: CopyConfig = {
      container: srcContainer || dstContainer,
      src,
      dst,
      followLink: flags['follow-link'] === true,
      archive: flags.archive === true,
      // Without -q given either way, Docker stays quiet when its output is not a terminal.
      quiet: flags.quiet === undefined ? !process.stdout.isTTY : flags.quiet === true,
    };
    const engine = await ctx.engine();
    if (srcContainer) await copyFromContainer(engine, cfg);
    else await copyToContainer(engine, cfg);
  },
};

/**
 * CONTAINER:PATH or a local path. A local path with a ":" is written "./a:b" or "/a:b", as
 * with scp: a container name never starts with "." or "/".
 */
function splitCpArg(arg: string): [string, string] {
  if (arg.startsWith('/')) return ['', arg];
  const colon = arg.indexOf(':');
  if (colon === -1 || arg.startsWith('.')) return ['', arg];
  return [arg.slice(0, colon), arg.slice(colon + 1)];
}

async function copyFromContainer(engine: Engine, cfg: CopyConfig): Promise<void> {
  const dst = cfg.dst === '-' ? '-' : resolveLocalPath(cfg.dst);
  if (dst !== '-') validateOutputPath(dst);
  await engine.containers.withRootfs(cfg.container, async (rootfs) => {
    let src = cfg.src;
    let rebaseName = '';
    if (cfg.followLink) {
      const st = statOrUndefined(rootfs, src, cfg.container);
      // The stat's link target is already resolved within the container's root, and absolute.
      if (st && hasMode(st.mode, FileMode.symlink)) [src, rebaseName] = rebase(src, st.linkTarget);
    }
    const stat = statInRoot(rootfs, src, cfg.container);
    if (dst === '-') {
      await pipeline(archiveFromRoot(rootfs, src, cfg.container).tar, process.stdout, { end: false });
      return;
    }
    const srcInfo: CopyInfo = { path: src, exists: true, isDir: hasMode(stat.mode, FileMode.dir), name: rebaseName || stat.name };
    const target = prepareArchiveCopy(srcInfo, localDestination(dst));
    const tar = archiveFromRoot(rootfs, src, cfg.container, { name: target.name }).tar;
    const progress = new Progress(cfg.quiet, 'Copying from container - ');
    // Docker's client extracts with NoLchown: the files belong to whoever runs cp, unless -a.
    const owner = cfg.archive ? undefined : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    try {
      await applyLayer(progress.count(tar), target.dir, { whiteouts: 'none', owner, noOverwriteDirNonDir: true, what: 'archive' });
    } finally {
      progress.stop();
    }
    progress.done(dst);
  });
}

async function copyToContainer(engine: Engine, cfg: CopyConfig): Promise<void> {
  // The local source is checked first: Docker's client does so before the daemon sees the copy.
  const srcInfo = cfg.src === '-' ? undefined : localSource(resolveLocalPath(cfg.src), cfg.followLink);
  await engine.containers.withRootfs(cfg.container, async (rootfs, rec) => {
    const dstInfo: CopyInfo = { path: cfg.dst, exists: false, isDir: false, name: '' };
    let st = statOrUndefined(rootfs, cfg.dst, cfg.container);
    if (st && hasMode(st.mode, FileMode.symlink)) {
      // A symlink destination means its target (resolved within the container), existing or not.
      dstInfo.path = st.linkTarget;
      st = statOrUndefined(rootfs, st.linkTarget, cfg.container);
    }
    if (st) {
      if (hasMode(st.mode, FileMode.device)) throw invalidArgument(`destination "${cfg.container}:${cfg.dst}" must be a directory or a regular file: got a device`);
      dstInfo.exists = true;
      dstInfo.isDir = hasMode(st.mode, FileMode.dir);
    }
    // Docker's "without -a, files copied into a container belong to its root user".
    const opts = { noOverwriteDirNonDir: true, owner: cfg.archive ? undefined : { uid: 0, gid: 0 }, readonlyRootfs: rec.HostConfig.ReadonlyRootfs };
    const progress = new Progress(cfg.quiet, 'Copying to container - ');
    try {
      if (!srcInfo) {
        if (!dstInfo.isDir) throw invalidArgument(`destination "${cfg.container}:${cfg.dst}" must be a directory`);
        await extractIntoRoot(rootfs, dstInfo.path, cfg.container, progress.count(process.stdin), opts);
      } else {
        const target = prepareArchiveCopy(srcInfo, dstInfo);
        await extractIntoRoot(rootfs, target.dir, cfg.container, progress.count(tarPath(srcInfo.path, target.name)), opts);
      }
    } finally {
      progress.stop();
    }
    progress.done(`${cfg.container}:${dstInfo.path}`);
  });
}

function statOrUndefined(rootfs: string, path: string, container: string): ReturnType<typeof statInRoot> | undefined {
  try {
    return statInRoot(rootfs, path, container);
  } catch {
    return undefined;
  }
}

/**
 * pkg/archive PrepareArchiveCopy: where the archive of `src` is extracted (`dir`) and what its top
 * entry must be called there so that the copy lands where Docker's rules say.
 */
function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): { dir: string; name: string } {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  if (dst.exists && dst.isDir) return { dir: dst.path, name: src.name }; // into it
  if (dst.exists && src.isDir) throw invalidArgument('cannot copy directory');
  if (dst.exists || src.isDir) return { dir: dstDir, name: dstBase }; // replace the file / create the directory
  if (assertsDirectory(dst.path)) throw invalidArgument('no such directory');
  return { dir: dstDir, name: dstBase }; // a new file
}

/** filepath.Abs, keeping a trailing "/" or "/.". */
function resolveLocalPath(p: string): string {
  return preserveTrailingDotOrSeparator(resolve(p), p);
}

/**
 * The rebase for a followed link (pkg/archive GetRebaseName): copy the target, under the name
 * the user gave, keeping its trailing "/" or "/.".
 */
function rebase(path: string, resolved: string): [string, string] {
  let r = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(r)) r += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(r)) r += '/';
  return [r, goBase(path) !== goBase(r) ? goBase(path) : ''];
}

/** pkg/archive CopyInfoSourcePath: a local source, symlinks before its last element resolved (all of them with -L). */
function localSource(path: string, followLink: boolean): CopyInfo {
  let resolved: string;
  let rebaseName = '';
  if (followLink) {
    [resolved, rebaseName] = rebase(path, goRealpath(path));
  } else {
    const slash = path.lastIndexOf('/');
    const dir = goRealpath(path.slice(0, slash + 1) || '.');
    const base = path.slice(slash + 1);
    resolved = dir === '/' ? `/${base}` : `${dir}/${base}`;
    if (hasTrailingSeparator(path) && goBase(path) !== goBase(resolved)) rebaseName = goBase(path);
  }
  const st = goStat('lstat', resolved);
  return { path: resolved, exists: true, isDir: st.isDirectory(), name: rebaseName || splitPathDirEntry(resolved)[1] };
}

/** pkg/archive CopyInfoDestinationPath: a local destination, symlinks at its end followed; its parent must exist. */
function localDestination(path: string): CopyInfo {
  let p = path;
  for (let n = 0; ; n++) {
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw goPathError('lstat', p, err);
      const parent = splitPathDirEntry(p)[0];
      if (!goStat('stat', parent).isDirectory()) throw invalidArgument('not a directory');
      return { path: p, exists: false, isDir: false, name: '' };
    }
    if (!st.isSymbolicLink()) return { path: p, exists: true, isDir: st.isDirectory(), name: '' };
    if (n >= 10) throw invalidArgument(`too many symlinks in ${path}`);
    const target = readlinkSync(p);
    p = target.startsWith('/') ? target : goClean(`${splitPathDirEntry(p)[0]}/${target}`);
  }
}

/** docker/cli ValidateOutputPath: the parent directory exists, and the path is no device. */
function validateOutputPath(path: string): void {
  const dir = splitPathDirEntry(goClean(path))[0];
  if (dir !== '.') {
    try {
      statSync(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw invalidArgument(`invalid output path: directory "${dir}" does not exist`);
    }
  }
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw goPathError('stat', path, err);
  }
  if (st.isBlockDevice() || st.isCharacterDevice()) throw invalidArgument(`invalid output path: "${path}" must be a directory or a regular file: got a device`);
}

function goStat(op: 'stat' | 'lstat', path: string): Stats {
  try {
    return op === 'stat' ? statSync(path) : lstatSync(path);
  } catch (err) {
    throw goPathError(op, path, err);
  }
}

/** filepath.EvalSymlinks (without the trailing-separator subtleties it does not have either). */
function goRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch (err) {
    throw goPathError('lstat', goClean(path), err);
  }
}

/** A Go *PathError's text ("lstat /x: no such file or directory") from a Node.js system error. */
function goPathError(op: string, path: string, err: unknown): Error {
  const m = /^[A-Z0-9]+: (.*?), /.exec((err as Error).message);
  return invalidArgument(`${op} ${path}: ${m ? m[1] : (err as Error).message}`, path);
}

/**
 * Docker's progress: "Copying … - 1.2MB" while it runs (on a terminal only), then "Successfully
 * copied SIZE to DEST", SIZE being the bytes of the tar stream, unless quiet.
 */
class Progress {
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly quiet: boolean;

  constructor(quiet: boolean, header: string) {
    this.quiet = quiet;
    if (quiet || !process.stderr.isTTY) return;
    process.stderr.write('Preparing to copy...');
    let shown = -1;
    this.timer = setInterval(() => {
      if (this.bytes === shown) return;
      shown = this.bytes;
      process.stderr.write(`\r\x1b[2K${header}${humanSize(shown)}`);
    }, 75);
    this.timer.unref(); // never what keeps berth alive after a failure
  }

  async *count(input: AsyncIterable<Buffer | Uint8Array> | Readable): AsyncGenerator<Buffer> {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      this.bytes += chunk.length;
      yield chunk;
    }
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    process.stderr.write('\r\x1b[2K');
  }

  done(dest: string): void {
    if (!this.quiet) process.stderr.write(`Successfully copied ${humanSize(this.bytes)} to ${dest}\n`);
  }
}
