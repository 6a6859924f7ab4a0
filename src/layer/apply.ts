// Applies a layer tar stream to a directory in one pass: decompress, hash (the diff ID), extract.
// Extraction is synchronous inside the tar parser's callbacks: a tar stream gives one entry at a
// time anyway, and sync calls avoid a thread-pool round trip for each of the several syscalls an
// entry needs. checkLayer runs the same extraction on a model of the paths (tree.ts): every
// refusal, no file written.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Digest } from '../content/index.ts';
import { BerthError, invalidArgument } from '../errdefs/index.ts';
import { makeDev, S_IFCHR, S_IFBLK, S_IFIFO } from '../sys/index.ts';
import { decompress } from './compression.ts';
import { cleanEntryPath, ensureParents, layerError } from './paths.ts';
import { TarParser, type TarHeader } from './tar-reader.ts';
import { diskTree, ModelTree, type Tree } from './tree.ts';

export interface ApplyOptions {
  /**
   * 'overlay': whiteouts become overlay whiteouts (a layer alone in its dir); 'apply': they delete;
   * 'none': the tar is a plain archive, not a layer (Docker's Untar, as `cp` uses it): `.wh.` names
   * are ordinary files, and a root entry ("./") leaves the existing target directory as it is.
   */
  whiteouts: 'overlay' | 'apply' | 'none';
  /** Every entry owned by this instead of the tar's uid/gid (Docker's ChownOpts). */
  owner?: { uid: number; gid: number };
  /** Every entry but symlinks gets these permission bits (a build's `COPY --chmod`). */
  chmod?: number;
  /** Refuse to replace a directory by a non-directory or the reverse (Docker's NoOverwriteDirNonDir). */
  noOverwriteDirNonDir?: boolean;
  expectedDiffId?: Digest;
  /**
   * The digest of the input as it is being stored, when the input is a plain (uncompressed) tar:
   * that digest is the diff ID, so the bytes are not hashed a second time here.
   */
  plainTarDigest?: Promise<Digest>;
  /** What the layer is, for messages ("layer sha256:…", "archive entry x.tar"). */
  what?: string;
  signal?: AbortSignal;
}

export interface ApplyResult {
  diffId: Digest;
  /** Bytes of the uncompressed tar. */
  size: number;
  /** Sum of the regular files' sizes. */
  contentSize: number;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export function applyLayer(input: AsyncIterable<Buffer | Uint8Array>, target: string, opts: ApplyOptions): Promise<ApplyResult> {
  return extract(input, diskTree, target, opts);
}

/**
 * Reads a layer as the store's unpack would (overlay whiteouts, into a new directory), with the
 * same diff ID and the same errors for hostile or broken input, but writes nothing.
 */
export function checkLayer(input: AsyncIterable<Buffer | Uint8Array>, opts: Pick<ApplyOptions, 'expectedDiffId' | 'plainTarDigest' | 'what' | 'signal'>): Promise<ApplyResult> {
  return extract(input, new ModelTree(), '', { ...opts, whiteouts: 'overlay' });
}

async function extract(input: AsyncIterable<Buffer | Uint8Array>, tree: Tree, target: string, opts: ApplyOptions): Promise<ApplyResult> {
  const what = opts.what ?? 'layer';
  const x = new Extractor(tree, target, opts.whiteouts, what, opts);
  const parser = new TarParser(x);
  const hash = opts.plainTarDigest ? undefined : createHash('sha256');
  let size = 0;
  try {
    x.start();
    for await (const c of decompress(input)) {
      opts.signal?.throwIfAborted();
      const chunk = c as Buffer;
      hash?.update(chunk);
      size += chunk.length;
      parser.push(chunk);
    }
    parser.finish();
  } catch (err) {
    x.abort();
    if (err instanceof BerthError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code && e.syscall) throw invalidArgument(`${what}: cannot apply entry ${JSON.stringify(x.current)}: ${e.message}`);
    const where = x.current ? ` in entry ${JSON.stringify(x.current)}` : '';
    throw invalidArgument(`${what}: invalid or truncated tar stream${where}: ${e.message}`);
  }
  if (parser.entries === 0 && size === 0) throw invalidArgument(`${what}: the layer is empty (not a tar stream)`);
  x.finish();
  const diffId: Digest = hash ? `sha256:${hash.digest('hex')}` : await (opts.plainTarDigest as Promise<Digest>);
  if (opts.expectedDiffId && diffId !== opts.expectedDiffId) {
    throw invalidArgument(`${what}: diff ID mismatch: expected ${opts.expectedDiffId}, got ${diffId}`);
  }
  return { diffId, size, contentSize: x.contentSize };
}

class Extractor {
  private readonly tree: Tree;
  private readonly root: string;
  private readonly mode: 'overlay' | 'apply' | 'none';
  private readonly what: string;
  private readonly owner: { uid: number; gid: number } | undefined;
  private readonly chmod: number | undefined;
  private readonly noOverwriteDirNonDir: boolean;
  private fd = -1;
  /**
   * Set by start() when the target is a new, empty directory in overlay mode, not setgid (the layer
   * store's unpack): there a new file needs no fchown when the entry's owner is the one it gets anyway.
   */
  private fresh = false;
  /** A directory with the setgid bit gives new files its group: owners are then always set. */
  private setgidSeen = false;
  private header: TarHeader | undefined;
  private abs = '';
  private readonly dirTimes: { path: string; mtime: number }[] = [];
  /** Paths this layer wrote: an opaque marker hides only what lower layers put there. */
  private readonly mine = new Set<string>();
  /** Directories checked to be real directories; cleared whenever something is removed or replaced. */
  private readonly knownDirs = new Set<string>();
  contentSize = 0;
  current = '';

  constructor(tree: Tree, root: string, mode: 'overlay' | 'apply' | 'none', what: string, opts: Pick<ApplyOptions, 'owner' | 'chmod' | 'noOverwriteDirNonDir'> = {}) {
    this.tree = tree;
    this.root = root;
    this.mode = mode;
    this.what = what;
    this.owner = opts.owner;
    this.chmod = opts.chmod;
    this.noOverwriteDirNonDir = opts.noOverwriteDirNonDir === true;
  }

  private refuse = (why: string): BerthError => layerError(this.what, this.current, why);

  start(): void {
    this.fresh = this.mode === 'overlay' && this.tree.isFreshDir(this.root);
  }

  entry(raw: TarHeader): void {
    const owned = this.owner ? { ...raw, uid: this.owner.uid, gid: this.owner.gid } : raw;
    const h = this.chmod !== undefined && owned.type !== 'symlink' ? { ...owned, mode: this.chmod } : owned;
    this.current = h.name;
    this.header = h;
    const rel = cleanEntryPath(h.name, this.refuse);
    if (rel === '') {
      if (h.type === 'directory' && this.mode !== 'none') this.tree.setOwnerMode(this.root, h);
      this.header = undefined;
      return;
    }
    ensureParents(this.root, rel, this.refuse, this.mine, this.knownDirs, this.tree);
    const base = posix.basename(rel);
    const abs = join(this.root, rel);
    this.abs = abs;
    if (base.startsWith(WHITEOUT) && this.mode !== 'none') {
      this.whiteout(rel, base);
      this.header = undefined;
      return;
    }
    if (this.noOverwriteDirNonDir && h.type !== 'other') {
      const kind = this.tree.kind(abs);
      if (kind === 'dir' && h.type !== 'directory') throw this.refuse('cannot overwrite a directory with a non-directory');
      if (kind !== undefined && kind !== 'dir' && h.type === 'directory') throw this.refuse('cannot overwrite a non-directory with a directory');
    }
    switch (h.type) {
      case 'directory': {
        if (h.mode & 0o2000) this.setgidSeen = true;
        const kind = this.tree.kind(abs);
        if (kind !== undefined && kind !== 'dir') this.removeExisting(abs);
        if (kind !== 'dir') this.tree.mkdir(abs, 0o700);
        this.tree.setOwnerMode(abs, h);
        this.setXattrs(abs, h);
        this.dirTimes.push({ path: abs, mtime: h.mtime });
        this.knownDirs.add(rel);
        break;
      }
      case 'file':
        this.fd = this.create(abs, h);
        this.contentSize += h.size;
        break;
      case 'symlink':
        this.removeExisting(abs);
        this.tree.symlink(h.linkname, abs, h.uid, h.gid, h.mtime);
        break;
      case 'link': {
        const refuseLink = (why: string): BerthError => this.refuse(`hard link target ${JSON.stringify(h.linkname)}: ${why}`);
        const targetRel = cleanEntryPath(h.linkname, refuseLink);
        if (targetRel === '') throw refuseLink('it is the layer root');
        ensureParents(this.root, targetRel, refuseLink, undefined, undefined, this.tree);
        const src = join(this.root, targetRel);
        const kind = this.tree.kind(src);
        if (!kind) throw refuseLink('it does not exist in the layer');
        if (kind === 'dir') throw refuseLink('it is a directory');
        this.removeExisting(abs);
        this.tree.link(src, abs);
        break;
      }
      case 'char':
      case 'block':
      case 'fifo': {
        this.removeExisting(abs);
        const kind = h.type === 'fifo' ? S_IFIFO : h.type === 'block' ? S_IFBLK : S_IFCHR;
        this.tree.mknod(abs, kind | (h.mode & 0o7777), h.type === 'fifo' ? 0n : makeDev(h.devmajor, h.devminor));
        this.tree.setOwnerMode(abs, h);
        this.setXattrs(abs, h);
        this.tree.setTimes(abs, h.mtime);
        break;
      }
      default:
        this.header = undefined;
        return;
    }
    this.mine.add(rel);
  }

  data(chunk: Buffer): void {
    if (this.fd >= 0) this.tree.write(this.fd, chunk);
  }

  end(): void {
    const h = this.header;
    if (this.fd >= 0 && h) {
      const fd = this.fd;
      this.fd = -1;
      const mode = h.mode & 0o7777;
      const umask = processUmask();
      this.tree.closeFile(fd, {
        owner: this.ownerIsDefault(h) ? undefined : [h.uid, h.gid],
        // open(2) gave the permission bits when the umask let it
        mode: umask === undefined || (mode & 0o777 & ~umask) !== mode ? mode : undefined,
        mtime: h.mtime,
      });
      this.setXattrs(this.abs, h);
    }
    this.header = undefined;
    this.current = ''; // between entries: an error now is not about the entry before
  }

  /** Directory times last: writing inside a directory changes its mtime. */
  finish(): void {
    for (const d of this.dirTimes.reverse()) this.tree.setTimes(d.path, d.mtime);
  }

  abort(): void {
    if (this.fd >= 0) this.tree.discardFile(this.fd);
    this.fd = -1;
  }

  /**
   * Whether a new file is already the entry's owner: in a fresh tree with no setgid directory, a
   * file is made with the process's uid and gid — root's, which most entries have.
   */
  private ownerIsDefault(h: TarHeader): boolean {
    return this.fresh && !this.setgidSeen && h.uid === EUID && h.gid === EGID;
  }

  /** A new file for writing; an existing entry under that name is replaced (a later layer entry wins). */
  private create(abs: string, h: TarHeader): number {
    const mode = h.mode & 0o777; // the umask applies; end() makes up for it (and adds setuid bits)
    try {
      return this.tree.createFile(abs, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      this.removeExisting(abs);
      return this.tree.createFile(abs, mode);
    }
  }

  /** Removes whatever is at `abs`, and forgets the directories checked so far (one may be gone). */
  private removeExisting(abs: string): void {
    if (this.tree.kind(abs) === undefined) return;
    this.knownDirs.clear();
    this.tree.remove(abs);
  }

  private setXattrs(abs: string, h: TarHeader): void {
    for (const [name, value] of h.xattrs) {
      if (name.startsWith('trusted.overlay.')) throw this.refuse(`it sets the reserved attribute ${name}`);
      this.tree.setXattr(abs, name, value);
    }
  }

  private whiteout(rel: string, base: string): void {
    const dirRel = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    const dir = join(this.root, dirRel);
    if (base === OPAQUE) {
      if (this.mode === 'overlay') {
        this.tree.setXattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
      } else {
        for (const child of this.tree.list(dir)) {
          const childRel = dirRel ? `${dirRel}/${child}` : child;
          if (!this.mine.has(childRel)) this.tree.remove(join(dir, child));
        }
        this.knownDirs.clear();
      }
      return;
    }
    // A whiteout names one entry of its directory: never the directory itself or its parent.
    const hidden = base.slice(WHITEOUT.length);
    if (hidden === '' || hidden === '.' || hidden === '..') throw this.refuse(`a whiteout for ${JSON.stringify(hidden)} is not a name`);
    const victim = join(dir, hidden);
    this.removeExisting(victim);
    if (this.mode === 'overlay') this.tree.mknod(victim, S_IFCHR, 0n);
  }
}

const EUID = process.geteuid?.();
const EGID = process.getegid?.();
let umask: number | undefined | null = null;

/** The process's umask, read once (Node can only read it by setting it); undefined when unknown. */
function processUmask(): number | undefined {
  if (umask === null) {
    let status = '';
    try {
      status = readFileSync('/proc/self/status', 'latin1');
    } catch {
      // no /proc: every file gets its fchmod
    }
    const m = /^Umask:\s+([0-7]+)$/m.exec(status);
    umask = m ? parseInt(m[1] as string, 8) : undefined;
  }
  return umask;
}
