// Container root filesystems on overlayfs: one upper/work pair per container over the image's
// unpacked layers (each layer a lower directory). Lower directories are named through short links
// in l/ so that an image with a hundred layers still fits mount(2)'s one-page option string.
import { createHash } from 'node:crypto';
import { mkdir, readlink, rm, symlink, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errdefs/index.ts';
import { mount, umount2, MNT_DETACH } from '../sys/index.ts';
import { directorySize } from './size.ts';
import type { LayerSource, RootfsPaths, Snapshotter } from './types.ts';

export class OverlaySnapshotter implements Snapshotter {
  readonly name = 'overlay2';
  private readonly root: string;
  private readonly linkDir: string;

  constructor(root: string) {
    this.root = root;
    this.linkDir = join(root, 'l');
  }

  paths(dir: string): Required<RootfsPaths> {
    return { merged: join(dir, 'merged'), upper: join(dir, 'upper'), work: join(dir, 'work') };
  }

  /** A short, stable name for a layer directory: 26 base32 characters of its path's hash. */
  private shortName(layerDir: string): string {
    return createHash('sha256').update(layerDir).digest('base64url').replace(/[-_]/g, 'x').slice(0, 26);
  }

  private async link(layerDir: string): Promise<string> {
    const name = this.shortName(layerDir);
    const path = join(this.linkDir, name);
    try {
      if ((await readlink(path)) === layerDir) return name;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'EINVAL') throw err;
    }
    await mkdir(this.linkDir, { recursive: true });
    // Create beside and rename over: concurrent containers may make the same link at once.
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await symlink(layerDir, tmp);
    await rename(tmp, path);
    return name;
  }

  /** Creates the container's upper/work/merged directories (nothing is mounted yet). */
  async prepare(dir: string): Promise<void> {
    const p = this.paths(dir);
    for (const d of [p.upper, p.work, p.merged]) await mkdir(d, { recursive: true, mode: 0o755 });
  }

  /** Mounts the root filesystem: `layerDirs` bottom first (image order). */
  async mount(dir: string, layers: LayerSource[]): Promise<string> {
    await this.prepare(dir);
    const p = this.paths(dir);
    const lowers: string[] = [];
    for (const l of layers) lowers.push(await l.dir()); // one at a time: an unpack is mostly one core's work
    if (lowers.length === 0) lowers.push(await this.emptyLayer());
    const names: string[] = [];
    for (const l of [...lowers].reverse()) names.push(`l/${await this.link(l)}`);
    const options = `lowerdir=${names.join(':')},upperdir=${p.upper},workdir=${p.work}`;
    // Lower paths are relative to the store root: mount(2) resolves them against our cwd.
    const cwd = process.cwd();
    process.chdir(this.root);
    try {
      mount('overlay', p.merged, 'overlay', 0, options);
    } finally {
      process.chdir(cwd);
    }
    return p.merged;
  }

  /** Unmounts if mounted; a root that is not mounted is fine. */
  unmount(dir: string): void {
    try {
      umount2(this.paths(dir).merged, MNT_DETACH);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'EINVAL' && code !== 'ENOENT') throw err;
    }
  }

  /** Unmounts and deletes the container's layer. */
  async remove(dir: string): Promise<void> {
    this.unmount(dir);
    const p = this.paths(dir);
    for (const d of [p.merged, p.upper, p.work]) await rm(d, { recursive: true, force: true });
  }

  /** Bytes the container wrote (its upper directory): Docker's SizeRw. */
  async changedSize(dir: string): Promise<number> {
    return directorySize(this.paths(dir).upper);
  }

  private async emptyLayer(): Promise<string> {
    const d = join(this.linkDir, 'empty');
    await mkdir(d, { recursive: true });
    return d;
  }
}

