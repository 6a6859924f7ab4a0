// berth's own store as a copy source (an image record's manifest and blobs, as stored) and
// destination (blobs stored and layers checked in one pass, then an image record whose layers
// match its config's diff IDs). The destination runs inside the store's write lock (the caller's
// `store.writing`), so a collection never sweeps a copy half way.
import type { Readable } from 'node:stream';
import type { Digest } from '../content/index.ts';
import { invalidArgument } from '../errdefs/index.ts';
import { detectManifestKind, isIndexType, parseConfig, parseManifest, type Descriptor } from '../image/index.ts';
import type { ImageRecord, LayerRecord } from '../meta/index.ts';
import { storeBlob, type ImageStore } from '../store/index.ts';
import { checkBlob } from './archive-read.ts';
import type { ImageDestination, ImageSource, RawManifest } from './copy.ts';

export class StoreSource implements ImageSource {
  private readonly store: ImageStore;
  private readonly image: ImageRecord;

  constructor(store: ImageStore, image: ImageRecord) {
    this.store = store;
    this.image = image;
  }

  async top(): Promise<RawManifest> {
    return { bytes: await this.store.content.readBytes(this.image.manifest), mediaType: this.image.manifestMediaType, digest: this.image.manifest };
  }

  async manifest(d: Descriptor): Promise<RawManifest> {
    return { bytes: await this.store.content.readBytes(d.digest), mediaType: d.mediaType, digest: d.digest };
  }

  blob(d: Descriptor): Promise<Readable> {
    return this.store.content.read(d.digest);
  }

  async close(): Promise<void> {}
}

export interface StoreTarget {
  /** The full name the image gets (repo:tag), if any. */
  name?: string;
  /** Canonical `repository@digest` names it is known by in a registry. */
  digests?: string[];
  /** A build step's image (from a shared build cache). */
  intermediate?: boolean;
}

export class StoreDestination implements ImageDestination {
  private readonly store: ImageStore;
  private readonly target: StoreTarget;
  private readonly checked = new Map<Digest, Promise<LayerRecord>>();
  /** The image recorded by commit(). */
  image: ImageRecord | undefined;
  private pending: (() => Promise<ImageRecord>) | undefined;

  constructor(store: ImageStore, target: StoreTarget) {
    this.store = store;
    this.target = target;
  }

  async has(d: Descriptor): Promise<boolean> {
    return this.store.content.has(d.digest);
  }

  async putBlob(d: Descriptor, body: Readable): Promise<void> {
    const layer = !d.mediaType.includes('config') && !d.mediaType.endsWith('+json');
    const stored = await storeBlob(this.store, body, { expected: { digest: d.digest, size: d.size, what: `blob ${d.digest}` }, layer: () => layer, what: `layer ${d.digest}` });
    if (stored.layer) this.checked.set(d.digest, stored.layer);
  }

  async putManifest(m: RawManifest, top: boolean): Promise<void> {
    if (!top) throw invalidArgument('the store keeps one image per name: copy one platform, not a whole index');
    if (isIndexType(m.mediaType) || detectManifestKind(m.bytes, m.mediaType) === 'index') throw invalidArgument('the store keeps one image per name: copy one platform, not a whole index');
    const manifest = parseManifest(m.bytes, `manifest ${m.digest}`);
    const config = parseConfig(await this.store.content.readBytes(manifest.config.digest), `image config ${manifest.config.digest}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) throw invalidArgument(`manifest ${m.digest} lists ${manifest.layers.length} layers but its config lists ${diffIds.length} diff IDs`);
    const layers: LayerRecord[] = [];
    for (const [i, d] of manifest.layers.entries()) {
      const want = diffIds[i] as Digest;
      const what = `layer ${i} (${d.digest}) of manifest ${m.digest}`;
      const rec = await this.layerFor(d.digest, want, what);
      if (rec.diffId !== want) throw invalidArgument(`${what}: its content has diff ID ${rec.diffId} but the image config says ${want}`);
      layers.push(rec);
    }
    await this.store.content.put(m.bytes, { digest: m.digest });
    this.pending = () =>
      this.store.commit({
        id: manifest.config.digest,
        manifest: m.digest,
        manifestMediaType: m.mediaType,
        names: this.target.name ? [this.target.name] : [],
        digests: this.target.digests ?? [],
        layers,
        blobs: [m.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)],
        created: config.created ?? '',
        intermediate: this.target.intermediate,
      });
  }

  /** The layer a blob was checked as now, or one already in the store, or the stored blob checked now. */
  private async layerFor(blob: Digest, diffId: Digest, what: string): Promise<LayerRecord> {
    return (await this.checked.get(blob)) ?? (await this.store.knownLayer(diffId, blob)) ?? checkBlob(this.store, blob, diffId, what);
  }

  async commit(): Promise<void> {
    if (!this.pending) throw invalidArgument('nothing was copied into the store');
    this.image = await this.pending();
  }

  async close(): Promise<void> {}
}
