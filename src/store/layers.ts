// Unpacked layers: layers/<diffid-hex>/ holds one layer alone, in overlay form (whiteouts as 0/0
// character devices), to be used as an overlay lower directory. Each is unpacked into tmp/ and
// renamed into place, so a layer directory under its final name is always complete.
//
// A plain tar layer is checked when its blob comes in (load, an uncompressed pull, a build step:
// the diff ID and every refusal of an unpack, writing nothing) and unpacked when a container first
// needs it, as BuildKit's lazy refs are: an image that is only moved on (saved, pushed) is never
// unpacked. A compressed layer is unpacked as it comes in (ingest.ts says why).
import { mkdir, rename, rm, stat, mkdtemp, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { hexOf, listDigestNamed, type Digest } from '../content/index.ts';
import { errnoCode } from '../errdefs/index.ts';
import { applyLayer, checkLayer, startLayerCheck, type ApplyResult, type CheckOptions, type LayerInput } from '../layer/index.ts';
import type { LayerRecord } from '../meta/index.ts';

/** An unpack's directory in tmp/: layer-PID-XXXXXX (mkdtemp's six characters). */
const UNPACK_PREFIX = 'layer-';

export class LayerStore {
  readonly dir: string;
  private readonly tmpDir: string;
  /** Layers being unpacked by this process (ensure). */
  private readonly unpacking = new Map<Digest, Promise<void>>();

  constructor(root: string) {
    this.dir = join(root, 'layers');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  path(diffId: Digest): string {
    return join(this.dir, hexOf(diffId));
  }

  async has(diffId: Digest): Promise<boolean> {
    try {
      await stat(this.path(diffId));
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /** Unpacks a layer stream (tar, gzip or zstd), verifying its diff ID when one is expected. */
  async unpack(body: LayerInput, expectedDiffId?: Digest, what?: string): Promise<LayerRecord> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = await mkdtemp(join(this.tmpDir, `${UNPACK_PREFIX}${process.pid}-`));
    try {
      const r = await applyLayer(body, tmp, { whiteouts: 'overlay', expectedDiffId, what });
      await this.place(tmp, r.diffId);
      return layerRecord(r);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Reads a layer stream as `unpack` would, refusing what it would refuse, and writes nothing.
   */
  async check(body: LayerInput, expectedDiffId?: Digest, what?: string): Promise<LayerRecord> {
    return layerRecord(await checkLayer(body, this.checkOptions(expectedDiffId, what)));
  }

  /** `check` for a plain tar pushed chunk by chunk as its blob is stored, whose digest (its diff ID) the store takes. */
  startCheck(plainTarDigest: Promise<Digest>, expectedDiffId?: Digest, what?: string): { push(chunk: Buffer): void; finish(): Promise<LayerRecord> } {
    const c = startLayerCheck({ ...this.checkOptions(expectedDiffId, what), plainTarDigest });
    return { push: (chunk) => c.push(chunk), finish: async () => layerRecord(await c.finish()) };
  }

  private checkOptions(expectedDiffId: Digest | undefined, what: string | undefined): CheckOptions {
    // The longest directory an unpack may use: a pid of up to seven digits.
    const intoLength = Buffer.byteLength(join(this.tmpDir, UNPACK_PREFIX)) + 7 + 1 + 6;
    return { expectedDiffId, what, intoLength };
  }

  /**
   * The layer's directory, unpacked from its blob the first time (once at a time in a process;
   * two processes may both unpack it, and the first to rename its copy into place wins). No store
   * lock is taken: a layer being unpacked belongs to an image a container uses, which no sweep
   * removes, and the unpack happens in tmp/ until its rename.
   */
  async ensure(diffId: Digest, blob: () => Promise<FileHandle>, what: string): Promise<string> {
    let unpacking = this.unpacking.get(diffId);
    if (!unpacking) {
      unpacking = (async () => {
        if (await this.has(diffId)) return;
        const file = await blob();
        try {
          await this.unpack({ file }, diffId, what);
        } finally {
          await file.close();
        }
      })().finally(() => this.unpacking.delete(diffId));
      this.unpacking.set(diffId, unpacking);
    }
    await unpacking;
    return this.path(diffId);
  }

  /** Moves a finished unpack under its diff ID; if another writer placed it first, ours is dropped. */
  private async place(tmp: string, diffId: Digest): Promise<void> {
    try {
      await rename(tmp, this.path(diffId));
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async remove(diffId: Digest): Promise<void> {
    // Rename first so a crash half way through the delete leaves no partial layer under its name.
    const doomed = join(this.tmpDir, `removing-${process.pid}-${hexOf(diffId).slice(0, 16)}-${Date.now()}`);
    try {
      await rename(this.path(diffId), doomed);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  /** Every layer directory present, and names that are not diff IDs. */
  async list(): Promise<{ layers: Digest[]; strays: string[] }> {
    const { digests, strays } = await listDigestNamed(this.dir);
    return { layers: digests, strays };
  }
}

function layerRecord(r: ApplyResult): LayerRecord {
  return { diffId: r.diffId, tarSize: r.size, contentSize: r.contentSize };
}
