// Applies a layer tar stream to a directory in one pass: decompress, hash (the diff ID), extract.
// Extraction is synchronous inside the tar parser's callbacks: a tar stream gives one entry at a
// time anyway, and sync calls avoid a thread-pool round trip for each of the several syscalls an
// entry needs. checkLayer runs the same extraction on a model of the paths (tree.ts): every
// refusal, no file written.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Digest } from '../content/index.ts';
import { BerthError, invalidArgument } from '../errdefs/index.ts';
import { fileChunks, makeDev, S_IFCHR, S_IFBLK, S_IFIFO, type Chunk } from '../sys/index.ts';
import { decompress, detectCompression } from './compression.ts';
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

export function applyLayer(input: LayerInput, target: string, opts: ApplyOptions): Promise<ApplyResult> {
  return run(input, new LayerPass(diskTree, target, opts));
}

/** A layer check fed chunk by chunk (the bytes are not kept past push()); see checkLayer. */
export interface LayerCheck {
  /** Takes the next bytes of the plain tar; after a refusal the rest is ignored and finish() throws it. */
  push(chunk: Buffer): void;
  finish(): Promise<ApplyResult>;
}

export interface CheckOptions extends Pick<ApplyOptions, 'expectedDiffId' | 'plainTarDigest' | 'what' | 'signal'> {
  /** The length of the directory path an unpack would write into (the kernel's PATH_MAX counts it). */
  intoLength?: number;
}

/**
 * Reads a layer as the store's unpack would (overlay whiteouts, into a new directory whose path has
 * `intoLength` bytes), with the same diff ID and the same refusals for hostile or broken input
 * (those of the extractor, and the kernel limits it checks first), but writes nothing.
 */
export function checkLayer(input: LayerInput, opts: CheckOptions): Promise<ApplyResult> {
  return run(input, checkPass(opts));
}

/** checkLayer for bytes that are pushed (the store checks a plain tar as it writes its blob). */
export function startLayerCheck(opts: CheckOptions): LayerCheck {
  const pass = checkPass(opts);
  let failure: BerthError | undefined;
  return {
    push(chunk) {
      if (failure) return;
      try {
        pass.push(chunk);
      } catch (err) {
        failure = pass.fail(err);
      }
    },
    finish: () => (failure ? Promise.reject(failure) : pass.finish()),
  };
}

function checkPass(opts: CheckOptions): LayerPass {
  return new LayerPass(new ModelTree(), '', { ...opts, whiteouts: 'overlay', pathPrefix: (opts.intoLength ?? 0) + 1 });
}

/** A layer to read: a stream, or a file (a plain tar in a file is read into reused buffers, sys/chunks.ts). */
export type LayerInput = AsyncIterable<Buffer | Uint8Array> | { file: FileHandle };

async function run(input: LayerInput, pass: LayerPass): Promise<ApplyResult> {
  try {
    for await (const c of await uncompressed(input)) {
      pass.signal?.throwIfAborted();
      pass.push(c);
    }
  } catch (err) {
    throw pass.fail(err);
  }
  return pass.finish();
}

/**
 * The layer's tar bytes: a regular file holding a plain tar is read in reused chunks (each one is
 * parsed, hashed and written before the next is asked for, so none is held); anything else is
 * decompressed from a stream.
 */
async function uncompressed(input: LayerInput): Promise<AsyncIterable<Buffer>> {
  if (!('file' in input)) return decompress(input);
  const fh = input.file;
  const regular = (await fh.stat()).isFile();
  if (regular && !(await isCompressed(fh))) return dataOf(fileChunks(fh));
  return decompress(fh.createReadStream({ start: regular ? 0 : undefined, autoClose: false, highWaterMark: 1 << 20 }));
}

async function* dataOf(chunks: AsyncIterable<Chunk>): AsyncGenerator<Buffer> {
  for await (const c of chunks) yield c.data;
}

/** Whether a regular file starts with a gzip or zstd magic number. */
async function isCompressed(fh: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(4);
  const { bytesRead } = await fh.read(head, 0, 4, 0);
  return detectCompression(head.subarray(0, bytesRead)) !== 'none';
}

/** One pass over a layer's uncompressed bytes: hashed for the diff ID (unless given), parsed, extracted. */
class LayerPass {
  private readonly x: Extractor;
  private readonly parser: TarParser;
  private readonly hash: Hash | undefined;
  private readonly opts: ApplyOptions;
  private readonly what: string;
  private size = 0;
  readonly signal: AbortSignal | undefined;

  constructor(tree: Tree, target: string, opts: ApplyOptions & { pathPrefix?: number }) {
    this.opts = opts;
    this.what = opts.what ?? 'layer';
    this.signal = opts.signal;
    this.x = new Extractor(tree, target, opts.whiteouts, this.what, opts);
    this.parser = new TarParser(this.x);
    this.hash = opts.plainTarDigest ? undefined : createHash('sha256');
    this.x.start();
  }

  /** The next bytes (nothing of them is kept past the call). */
  push(chunk: Buffer): void {
    this.hash?.update(chunk);
    this.size += chunk.length;
    this.parser.push(chunk);
  }

  /** Stops the pass after an error, and says what went wrong where. */
  fail(err: unknown): BerthError {
    this.x.abort();
    if (err instanceof BerthError) return err;
    const e = err as NodeJS.ErrnoException;
    const x = this.x;
    if (e.code && e.syscall) return invalidArgument(`${this.what}: cannot apply entry ${JSON.stringify(x.current)}: ${e.message}`);
    const where = x.current ? ` in entry ${JSON.stringify(x.current)}` : '';
    return invalidArgument(`${this.what}: invalid or truncated tar stream${where}: ${e.message}`);
  }

  async finish(): Promise<ApplyResult> {
    const { opts, what } = this;
    try {
      this.parser.finish();
    } catch (err) {
      throw this.fail(err);
    }
    if (this.parser.entries === 0 && this.size === 0) throw invalidArgument(`${what}: the layer is empty (not a tar stream)`);
    this.x.finish();
    const diffId: Digest = this.hash ? `sha256:${this.hash.digest('hex')}` : await (opts.plainTarDigest as Promise<Digest>);
    if (opts.expectedDiffId && diffId !== opts.expectedDiffId) {
      throw invalidArgument(`${what}: diff ID mismatch: expected ${opts.expectedDiffId}, got ${diffId}`);
    }
    return { diffId, size: this.size, contentSize: this.x.contentSize };
  }
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
   * Set by start() when the target is a new, empty directory in overlay mode, of the process's group,
   * with no setgid bit or default ACL (the layer store's unpack): there a new file gets the process's
   * uid and gid, and open(2) with the umask gives its permission bits, so fchown and fchmod are left
   * out where they would change nothing.
   */
  private fresh = false;
  /** The umask, read at start() (the daemon changes it for a moment while it makes a socket). */
  private umask: number | undefined;
  /**
   * New files may take a directory's group (setgid, or a filesystem mounted with grpid): once the
   * layer has a directory of another group or a setgid one, every owner is set.
   */
  private groupsInherited = false;
  /** A default ACL decides new files' modes instead of the umask: every mode is set. */
  private aclSeen = false;
  private header: TarHeader | undefined;
  private abs = '';
  private readonly dirTimes: { path: string; mtime: number }[] = [];
  /** Paths this layer wrote: an opaque marker hides only what lower layers put there. */
  private readonly mine = new Set<string>();
  /** Directories checked to be real directories; cleared whenever something is removed or replaced. */
  private readonly knownDirs = new Set<string>();
  contentSize = 0;
  current = '';

  /** Bytes in front of an entry's path when it meets the kernel: the root and a slash (checkLayer's model has no root). */
  private readonly pathPrefix: number;

  constructor(
    tree: Tree,
    root: string,
    mode: 'overlay' | 'apply' | 'none',
    what: string,
    opts: Pick<ApplyOptions, 'owner' | 'chmod' | 'noOverwriteDirNonDir'> & { pathPrefix?: number } = {},
  ) {
    this.tree = tree;
    this.root = root;
    this.pathPrefix = opts.pathPrefix ?? Buffer.byteLength(root) + 1;
    this.mode = mode;
    this.what = what;
    this.owner = opts.owner;
    this.chmod = opts.chmod;
    this.noOverwriteDirNonDir = opts.noOverwriteDirNonDir === true;
  }

  private refuse = (why: string): BerthError => layerError(this.what, this.current, why);

  start(): void {
    this.fresh = this.mode === 'overlay' && this.tree.isFreshDir(this.root);
    if (this.fresh) this.umask = processUmask();
  }

  entry(raw: TarHeader): void {
    const owned = this.owner ? { ...raw, uid: this.owner.uid, gid: this.owner.gid } : raw;
    const h = this.chmod !== undefined && owned.type !== 'symlink' ? { ...owned, mode: this.chmod } : owned;
    this.current = h.name;
    this.header = h;
    const rel = cleanEntryPath(h.name, this.refuse);
    // What the kernel would refuse, refused first with a message that says why (and so refused by
    // checkLayer's model too, which has no kernel to ask).
    this.checkLimits(rel, h);
    if (rel === '') {
      if (h.type === 'directory' && this.mode !== 'none') {
        this.noteDirectory(h);
        this.tree.setOwnerMode(this.root, h);
      }
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
        this.noteDirectory(h);
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
      const umask = this.fresh && !this.aclSeen ? this.umask : undefined;
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
    return this.fresh && !this.groupsInherited && h.uid === EUID && h.gid === EGID;
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

  /** Directories can make new files inherit a group or an ACL: see groupsInherited and aclSeen. */
  private noteDirectory(h: TarHeader): void {
    if (h.mode & 0o2000 || h.gid !== EGID) this.groupsInherited = true;
    if (h.xattrs.has(ACL_DEFAULT)) this.aclSeen = true;
  }

  private checkLimits(rel: string, h: TarHeader): void {
    if (!validId(h.uid) || !validId(h.gid)) throw this.refuse(`its owner ${h.uid}:${h.gid} is out of range (ids go up to ${MAX_ID})`);
    const bytes = Buffer.byteLength(rel);
    if (bytes > NAME_MAX && rel.split('/').some((c) => Buffer.byteLength(c) > NAME_MAX)) throw this.refuse(`a name in its path is longer than ${NAME_MAX} bytes`);
    if (this.pathPrefix + bytes > PATH_MAX) throw this.refuse(`its path is longer than the ${PATH_MAX} bytes Linux allows`);
    if ((h.type === 'symlink' || h.type === 'link') && Buffer.byteLength(h.linkname) > PATH_MAX) throw this.refuse(`its link target is longer than ${PATH_MAX} bytes`);
    if (h.xattrs.size === 0) return;
    for (const [name, value] of h.xattrs) {
      const bad = xattrProblem(name, value, h.type);
      if (bad) throw this.refuse(bad);
    }
  }

  private setXattrs(abs: string, h: TarHeader): void {
    if (h.xattrs.size === 0) return;
    for (const [name, value] of h.xattrs) {
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

/** Linux's limits: uid_t (2^32 - 1 means "unchanged" to chown), a name, a path (less its NUL). */
const MAX_ID = 2 ** 32 - 2;
const NAME_MAX = 255;
const PATH_MAX = 4095;
const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;
const ACL_DEFAULT = 'system.posix_acl_default';

const validId = (id: number): boolean => Number.isSafeInteger(id) && id >= 0 && id <= MAX_ID;

/** Why Linux would refuse this extended attribute on this kind of entry, or undefined. */
function xattrProblem(name: string, value: Buffer, type: TarHeader['type']): string | undefined {
  if (name.startsWith('trusted.overlay.')) return `it sets the reserved attribute ${name}`;
  if (!/^(user|trusted|security|system)\./.test(name)) return `it sets the attribute ${JSON.stringify(name)}, in no namespace Linux has`;
  if (Buffer.byteLength(name) > XATTR_NAME_MAX) return `the name of its attribute ${name.slice(0, 40)}… is longer than ${XATTR_NAME_MAX} bytes`;
  if (value.length > XATTR_SIZE_MAX) return `its attribute ${name} has ${value.length} bytes, more than the ${XATTR_SIZE_MAX} Linux allows`;
  if (name.startsWith('user.') && type !== 'file' && type !== 'directory') return `it sets ${name}, but user attributes go only on files and directories`;
  if (name === 'security.capability') {
    // VFS_CAP_REVISION_2 (20 bytes) or _3 (24, with a root uid); the kernel refuses anything else.
    const revision = value.length >= 4 ? value.readUInt32LE(0) >>> 24 : 0;
    if (!((value.length === 20 && revision === 2) || (value.length === 24 && revision === 3))) return `its attribute security.capability is not a valid file capability (${value.length} bytes, revision ${revision})`;
  }
  if (name.startsWith('system.')) {
    if (name !== 'system.posix_acl_access' && name !== ACL_DEFAULT) return `it sets the attribute ${name}, which is not a POSIX ACL`;
    if (value.length < 4 || value.readUInt32LE(0) !== 2 || (value.length - 4) % 8 !== 0) return `its attribute ${name} is not a valid POSIX ACL`;
    if (name === ACL_DEFAULT && type !== 'directory') return `it sets ${name}, which only a directory can have`;
  }
  return undefined;
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
