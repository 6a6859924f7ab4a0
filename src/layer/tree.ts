// Where a layer's entries land: the disk, or a model of the paths alone. The extractor (apply.ts)
// does every check and every step through a Tree, so checking a layer without unpacking it (the
// store's load and pull, which unpack a layer only when a container first needs it) refuses
// exactly what unpacking it would, from the same code.
import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync,
  mkdirSync, openSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeSync,
} from 'node:fs';
import { lgetxattr, lsetxattr, mknod } from '../sys/index.ts';

export type Kind = 'dir' | 'symlink' | 'other';

export interface Owner {
  uid: number;
  gid: number;
  /** Permission bits, setuid/setgid/sticky included. */
  mode: number;
}

export interface Tree {
  /** What is at the path (not following a last symlink), or undefined. */
  kind(path: string): Kind | undefined;
  /** Whether the path is an empty directory of the process's group, with no setgid bit or default ACL (a fresh unpack target). */
  isFreshDir(path: string): boolean;
  mkdir(path: string, mode: number): void;
  /** A new file (the path must not exist: EEXIST); returns a handle for write and closeFile. */
  createFile(path: string, mode: number): number;
  write(fd: number, chunk: Buffer): void;
  /** Owner (when given), mode (when given, after the owner: chown clears setuid) and time, then close. */
  closeFile(fd: number, opts: { owner?: [number, number]; mode?: number; mtime: number }): void;
  /** Closes a file abandoned half way. */
  discardFile(fd: number): void;
  symlink(target: string, path: string, uid: number, gid: number, mtime: number): void;
  link(existing: string, path: string): void;
  mknod(path: string, mode: number, dev: bigint): void;
  setOwnerMode(path: string, o: Owner): void;
  setXattr(path: string, name: string, value: Buffer): void;
  setTimes(path: string, mtime: number): void;
  /** Removes the path, a directory with everything in it. */
  remove(path: string): void;
  list(dir: string): string[];
}

export const diskTree: Tree = {
  kind(path) {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return undefined;
    }
    return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  },
  isFreshDir(path) {
    const st = statSync(path);
    return readdirSync(path).length === 0 && (st.mode & 0o2000) === 0 && st.gid === process.getegid?.() && lgetxattr(path, 'system.posix_acl_default') === undefined;
  },
  mkdir: (path, mode) => mkdirSync(path, { mode }),
  createFile: (path, mode) => openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode),
  write(fd, chunk) {
    for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
  },
  closeFile(fd, { owner, mode, mtime }) {
    try {
      if (owner) fchownSync(fd, owner[0], owner[1]);
      if (mode !== undefined) fchmodSync(fd, mode);
      futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
  },
  discardFile: (fd) => closeSync(fd),
  symlink(target, path, uid, gid, mtime) {
    symlinkSync(target, path);
    lchownSync(path, uid, gid);
    lutimesSync(path, mtime, mtime);
  },
  link: (existing, path) => linkSync(existing, path),
  mknod: (path, mode, dev) => mknod(path, mode, dev),
  setOwnerMode(path, o) {
    lchownSync(path, o.uid, o.gid);
    chmodSync(path, o.mode & 0o7777);
  },
  setXattr: (path, name, value) => lsetxattr(path, name, value),
  setTimes: (path, mtime) => utimesSync(path, mtime, mtime),
  remove(path) {
    if (diskTree.kind(path) === 'dir') rmSync(path, { recursive: true, force: true });
    else unlinkSync(path);
  },
  list: (dir) => readdirSync(dir),
};

/** The paths a layer would make, and their kinds: nothing is written. Paths are relative ('' is the root). */
export class ModelTree implements Tree {
  private readonly kinds = new Map<string, Kind>([['', 'dir']]);

  kind(path: string): Kind | undefined {
    return this.kinds.get(path);
  }

  isFreshDir(path: string): boolean {
    return path === '' && this.kinds.size === 1;
  }

  mkdir(path: string): void {
    this.make(path, 'dir');
  }

  createFile(path: string): number {
    this.make(path, 'other');
    return 0;
  }

  write(): void {}
  closeFile(): void {}
  discardFile(): void {}

  symlink(_target: string, path: string): void {
    this.make(path, 'symlink');
  }

  link(existing: string, path: string): void {
    const kind = this.kinds.get(existing);
    // As link(2): the target may have gone (replaced by this very entry), and a symlink is linked itself.
    if (kind === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, link '${existing}' -> '${path}'`), { code: 'ENOENT', syscall: 'link' });
    this.make(path, kind);
  }

  mknod(path: string): void {
    this.make(path, 'other');
  }

  setOwnerMode(): void {}
  setXattr(): void {}
  setTimes(): void {}

  remove(path: string): void {
    if (this.kinds.get(path) === 'dir') {
      const prefix = path === '' ? '' : `${path}/`;
      for (const p of this.kinds.keys()) if (p.startsWith(prefix) && p !== '') this.kinds.delete(p);
    }
    if (path !== '') this.kinds.delete(path);
  }

  list(dir: string): string[] {
    const prefix = dir === '' ? '' : `${dir}/`;
    return [...this.kinds.keys()].filter((p) => p !== '' && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length));
  }

  private make(path: string, kind: Kind): void {
    if (this.kinds.has(path)) throw Object.assign(new Error(`EEXIST: file already exists, '${path}'`), { code: 'EEXIST', syscall: 'open' });
    this.kinds.set(path, kind);
  }
}
