// `--cache-to` / `--cache-from`: the build cache shared between machines through an OCI layout or
// a registry. What travels is an OCI index of the build's step images, each entry annotated with
// the step's cache key; importing copies a step's image into the store only when a build asks for
// its key, so a CI machine fetches what it reuses and nothing else.
import type { Readable } from 'node:stream';
import { digestOf, type Digest } from '../content/index.ts';
import { invalidArgument } from '../errdefs/index.ts';
import { MediaType, parseIndex, parseReference, type Descriptor } from '../image/index.ts';
import type { ImageRecord } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
import type { ImageDestination, ImageSource, RawManifest } from '../transport/index.ts';
import { clientOptions } from './registry.ts';

import type { CacheLocation } from './types.ts';

const KEY = 'io.berth.build.cache-key';
/** The name of the cache in an OCI layout's index.json. */
const LAYOUT_REF = 'build-cache';

function describe(l: CacheLocation): string {
  return l.type === 'local' ? `the OCI layout ${l.dir}` : `the registry image ${l.ref}`;
}

/** The store's step images behind an index made on the spot. */
class CacheIndexSource implements ImageSource {
  private readonly store: ImageStore;
  private readonly index: RawManifest;

  constructor(store: ImageStore, entries: { key: string; image: ImageRecord; size: number }[]) {
    this.store = store;
    const manifests: Descriptor[] = entries.map((e) => ({ mediaType: e.image.manifestMediaType, digest: e.image.manifest, size: e.size, annotations: { [KEY]: e.key } }));
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
    this.index = { bytes, mediaType: MediaType.OciIndex, digest: digestOf(bytes) };
  }

  async top(): Promise<RawManifest> {
    return this.index;
  }

  async manifest(d: Descriptor): Promise<RawManifest> {
    return { bytes: await this.store.content.readBytes(d.digest), mediaType: d.mediaType, digest: d.digest };
  }

  blob(d: Descriptor): Promise<Readable> {
    return this.store.content.read(d.digest);
  }

  async close(): Promise<void> {}
}

async function openSource(l: CacheLocation): Promise<ImageSource> {
  const t = await import('../transport/index.ts');
  return l.type === 'local' ? new t.LayoutSource(l.dir, LAYOUT_REF) : t.RegistrySource.open(parseReference(l.ref), await clientOptions({}));
}

async function openDestination(l: CacheLocation): Promise<ImageDestination> {
  const t = await import('../transport/index.ts');
  return l.type === 'local' ? new t.LayoutDestination(l.dir, LAYOUT_REF) : t.RegistryDestination.open(parseReference(l.ref), await clientOptions({}));
}

/** Writes the steps (key → step image) as one cache index to `to`. */
export async function exportCache(store: ImageStore, steps: { key: string; id: Digest }[], to: CacheLocation): Promise<void> {
  const doc = await store.document();
  const entries: { key: string; image: ImageRecord; size: number }[] = [];
  for (const s of steps) {
    const image = doc.images[s.id];
    if (!image) continue;
    entries.push({ key: s.key, image, size: (await store.content.info(image.manifest))?.size ?? 0 });
  }
  if (entries.length === 0) return;
  const { copyImage } = await import('../transport/index.ts');
  const src = new CacheIndexSource(store, entries);
  const dst = await openDestination(to);
  try {
    await copyImage(src, dst, { all: true });
  } catch (err) {
    throw invalidArgument(`exporting the build cache to ${describe(to)} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await dst.close();
  }
}

/** The caches given with --cache-from: which keys they hold, and the step image of one on demand. */
export class CacheImporter {
  private readonly store: ImageStore;
  private readonly entries = new Map<string, { source: ImageSource; descriptor: Descriptor }>();
  private readonly sources: ImageSource[] = [];
  /** Caches that could not be read (BuildKit goes on without them, and says so). */
  readonly warnings: string[] = [];

  private constructor(store: ImageStore) {
    this.store = store;
  }

  static async open(store: ImageStore, from: CacheLocation[]): Promise<CacheImporter> {
    const importer = new CacheImporter(store);
    for (const l of from) {
      try {
        const source = await openSource(l);
        importer.sources.push(source);
        const top = await source.top();
        for (const d of parseIndex(top.bytes, `the build cache in ${describe(l)}`).manifests) {
          const key = d.annotations?.[KEY];
          if (key && !importer.entries.has(key)) importer.entries.set(key, { source, descriptor: d });
        }
      } catch (err) {
        importer.warnings.push(`failed to read the build cache from ${describe(l)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return importer;
  }

  /** Copies the step image cached under `key` into the store (as a step image); undefined when no cache has it. */
  async fetch(key: string): Promise<Digest | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const t = await import('../transport/index.ts');
    const one: ImageSource = {
      top: () => entry.source.manifest(entry.descriptor),
      manifest: (d) => entry.source.manifest(d),
      blob: (d) => entry.source.blob(d),
      close: async () => undefined,
    };
    const dst = new t.StoreDestination(this.store, { intermediate: true });
    await this.store.writing(() => t.copyImage(one, dst));
    return dst.image?.id;
  }

  async close(): Promise<void> {
    for (const s of this.sources) await s.close().catch(() => undefined);
  }
}
