// berth's local image store: blobs (content/), records (meta/) and unpacked layers joined by
// digests. Writers hold the "gc" lock shared from their first blob to their record's commit; the
// garbage collector takes it exclusive, so it never sweeps a blob or layer a writer is about to
// reference. Layer reference counts are derived from the image records at sweep time.
import { join } from 'node:path';
import { ContentStore, type Digest } from '../content/index.ts';
import { notFound, conflict } from '../errdefs/index.ts';
import { familiarName } from '../image/index.ts';
import { ImageMeta, withLock, type ImageRecord, type ImagesDocument, type LayerRecord } from '../meta/index.ts';
import { LayerStore } from './layers.ts';

export interface NewImage {
  id: Digest;
  manifest: Digest;
  manifestMediaType: string;
  names: string[];
  digests: string[];
  layers: LayerRecord[];
  blobs: Digest[];
  created: string;
  /** A build step's image, kept for the build cache (hidden from `images`, left by `image prune`). */
  intermediate?: boolean;
}

export interface Removed {
  untagged: string[];
  deleted: Digest[];
}

export interface SweepResult {
  blobs: Digest[];
  layers: Digest[];
}

export class ImageStore {
  readonly root: string;
  readonly content: ContentStore;
  readonly layers: LayerStore;
  readonly meta: ImageMeta;
  private readonly gcLock: string;

  private constructor(root: string) {
    this.root = root;
    this.content = new ContentStore(root);
    this.layers = new LayerStore(root);
    this.meta = new ImageMeta(root);
    this.gcLock = join(root, 'meta', 'gc.lock');
  }

  static async open(root: string): Promise<ImageStore> {
    const s = new ImageStore(root);
    await s.content.init();
    await s.layers.init();
    await s.meta.init();
    return s;
  }

  /**
   * Runs a write (blobs, layers, then a record) so that no collection sweeps its work mid-way. If
   * it fails, what it stored and nothing references is swept, so the store is as it was before.
   */
  async writing<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await withLock(this.gcLock, 'shared', fn);
    } catch (err) {
      await this.sweep().catch(() => undefined);
      throw err;
    }
  }

  /**
   * The record of a layer the store has, when `blob` may stand for it without a check: the blob is
   * that layer's plain tar (its digest is the diff ID), or the layer is unpacked already.
   */
  async knownLayer(diffId: Digest, blob: Digest): Promise<LayerRecord | undefined> {
    const rec = (await this.document()).layers[diffId];
    return rec && (blob === diffId || (await this.layers.has(diffId))) ? rec : undefined;
  }

  async list(): Promise<ImageRecord[]> {
    return Object.values((await this.meta.read()).images);
  }

  async document(): Promise<ImagesDocument> {
    return this.meta.read();
  }

  /**
   * Records an image whose blobs and layers are in place. Its names move to it from any image that
   * had them (that image keeps its other names, or becomes dangling). Returns the names it took over.
   */
  async commit(img: NewImage): Promise<ImageRecord> {
    // Layers need no directory yet: each unpacks from its blob on first use (layers.ts).
    for (const b of img.blobs) if (!(await this.content.has(b))) throw notFound(`blob ${b} of image ${img.id} is missing`, b);
    return this.meta.update((doc) => {
      for (const l of img.layers) doc.layers[l.diffId] ??= l;
      const old = doc.images[img.id];
      const rec: ImageRecord = {
        id: img.id,
        manifest: old?.manifest ?? img.manifest,
        manifestMediaType: old?.manifestMediaType ?? img.manifestMediaType,
        names: union(old?.names ?? [], img.names),
        digests: union(old?.digests ?? [], img.digests),
        layers: img.layers.map((l) => l.diffId),
        blobs: union(old?.blobs ?? [], img.blobs),
        size: img.layers.reduce((n, l) => n + l.contentSize, 0),
        created: img.created,
        added: old?.added ?? new Date().toISOString(),
        // Written once as a build's final image, it stays a real one.
        ...(img.intermediate === true && (old === undefined || old.intermediate === true) ? { intermediate: true } : {}),
      };
      for (const name of img.names) takeName(doc, name, img.id);
      doc.images[img.id] = rec;
      return rec;
    });
  }

  /** Gives an image another manifest for the same config (its layers compressed): the old blobs go to the next sweep. */
  async replaceManifest(id: Digest, m: { digest: Digest; mediaType: string; blobs: Digest[] }): Promise<void> {
    for (const b of m.blobs) if (!(await this.content.has(b))) throw notFound(`blob ${b} of image ${id} is missing`, b);
    await this.meta.update((doc) => {
      const rec = doc.images[id];
      if (!rec) throw notFound(`No such image: ${id}`, id);
      rec.manifest = m.digest;
      rec.manifestMediaType = m.mediaType;
      rec.blobs = m.blobs;
    });
  }

  /** Records a canonical `repository@digest` the image is known by (after a push). */
  async addDigest(id: Digest, canonical: string): Promise<void> {
    await this.meta.update((doc) => {
      const rec = doc.images[id];
      if (rec && !rec.digests.includes(canonical)) rec.digests.push(canonical);
    });
  }

  /** Adds a name to an image (moving it from any other image). */
  async tag(id: Digest, name: string): Promise<void> {
    await this.meta.update((doc) => {
      const rec = doc.images[id];
      if (!rec) throw notFound(`No such image: ${id}`, id);
      takeName(doc, name, id);
      if (!rec.names.includes(name)) rec.names.push(name);
    });
  }

  /**
   * Removes one name, or the image itself: Docker's rmi semantics. `name` undefined means "by ID":
   * refuses when the image has several names unless forced.
   */
  async remove(id: Digest, opts: { name?: string; force?: boolean; inUse?: (id: Digest) => Promise<{ id: string; running: boolean } | undefined> }): Promise<Removed> {
    const result = await this.meta.update(async (doc): Promise<Removed> => {
      const rec = doc.images[id];
      if (!rec) throw notFound(`No such image: ${id}`, id);
      const removed: Removed = { untagged: [], deleted: [] };
      if (opts.name !== undefined && (rec.names.length > 1 || (rec.names.length === 1 && rec.names[0] !== opts.name))) {
        rec.names = rec.names.filter((n) => n !== opts.name);
        removed.untagged.push(opts.name);
        return removed;
      }
      if (opts.name === undefined && rec.names.length > 1 && !opts.force) {
        throw conflict(`conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`, id);
      }
      // An image a container uses stays (its layers are the container's lower directories): Docker
      // refuses, or with --force only removes the names.
      const user = await opts.inUse?.(id);
      if (user !== undefined) {
        const img = id.slice(7, 19);
        const ctr = user.id.slice(0, 12);
        if (user.running && (opts.name === undefined || !opts.force)) {
          throw conflict(`conflict: unable to delete ${opts.name === undefined ? img : familiarName(opts.name)} (cannot be forced) - image is being used by running container ${ctr}`, id);
        }
        if (!opts.force) {
          throw conflict(
            opts.name === undefined
              ? `conflict: unable to delete ${img} (must be forced) - image is being used by stopped container ${ctr}`
              : `conflict: unable to remove repository reference "${familiarName(opts.name)}" (must force) - container ${ctr} is using its referenced image ${img}`,
            id,
          );
        }
        removed.untagged.push(...rec.names);
        rec.names = [];
        return removed;
      }
      removed.untagged.push(...rec.names, ...rec.digests);
      removed.deleted.push(id);
      delete doc.images[id];
      return removed;
    });
    if (result.deleted.length > 0) await this.sweep();
    return result;
  }

  /**
   * Deletes blobs and layers that no image references (mark and sweep). Waits for running writers.
   */
  async sweep(): Promise<SweepResult> {
    return withLock(this.gcLock, 'exclusive', async () => {
      const swept: SweepResult = { blobs: [], layers: [] };
      await this.meta.update(async (doc) => {
        const { blobs: liveBlobs, layers: liveLayers } = liveSets(doc);
        for (const d of Object.keys(doc.layers) as Digest[]) if (!liveLayers.has(d)) delete doc.layers[d];
        for (const d of (await this.layers.list()).layers) {
          if (!liveLayers.has(d)) {
            await this.layers.remove(d);
            swept.layers.push(d);
          }
        }
        for (const d of (await this.content.list()).blobs) {
          if (!liveBlobs.has(d)) {
            await this.content.delete(d);
            swept.blobs.push(d);
          }
        }
      });
      return swept;
    });
  }
}

/** What the image records reference. */
export function liveSets(doc: ImagesDocument): { blobs: Set<Digest>; layers: Set<Digest> } {
  const blobs = new Set<Digest>();
  const layers = new Set<Digest>();
  for (const rec of Object.values(doc.images)) {
    for (const b of rec.blobs) blobs.add(b);
    for (const l of rec.layers) layers.add(l);
  }
  return { blobs, layers };
}

function takeName(doc: ImagesDocument, name: string, to: Digest): void {
  for (const other of Object.values(doc.images)) {
    if (other.id !== to) other.names = other.names.filter((n) => n !== name);
  }
}

function union<T>(a: readonly T[], b: readonly T[]): T[] {
  return [...new Set([...a, ...b])];
}
