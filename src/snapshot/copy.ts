// The fallback for filesystems where overlayfs cannot be used (Docker's "vfs"): each container
// gets a full copy of its image, made by applying the image's layer tars in order (whiteouts
// delete). Slow and large, but it works on any filesystem; changes are not kept apart, so `diff`
// and `commit` are not available for such containers.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { applyLayer } from '../layer/index.ts';
import { directorySize } from './size.ts';
import type { LayerSource, RootfsPaths, Snapshotter } from './types.ts';

export class CopySnapshotter implements Snapshotter {
  readonly name = 'vfs';

  paths(dir: string): RootfsPaths {
    return { merged: join(dir, 'rootfs') };
  }

  async prepare(dir: string, layers: LayerSource[]): Promise<void> {
    const rootfs = this.paths(dir).merged;
    const done = join(dir, 'rootfs.complete');
    if (existsSync(done)) return;
    // A copy cut short by a crash is started over, never used half made.
    await rm(rootfs, { recursive: true, force: true });
    await mkdir(rootfs, { recursive: true, mode: 0o755 });
    for (const [i, layer] of layers.entries()) {
      await applyLayer(await layer.tar(), rootfs, { whiteouts: 'apply', what: `layer ${i + 1} of the image` });
    }
    await writeFile(done, '');
  }

  async mount(dir: string, layers: LayerSource[]): Promise<string> {
    await this.prepare(dir, layers);
    return this.paths(dir).merged;
  }

  unmount(): void {}

  async remove(dir: string): Promise<void> {
    await rm(this.paths(dir).merged, { recursive: true, force: true });
    await rm(join(dir, 'rootfs.complete'), { force: true });
  }

  changedSize(dir: string): Promise<number> {
    return directorySize(this.paths(dir).merged);
  }
}
