// Push: an image from the store to a registry. Each blob (layers, then the config) is checked
// with HEAD first, mounted from another repository of the same registry when the image came from
// one, and uploaded only when the registry has neither; the manifest goes last, under the tag.
import { createReadStream } from 'node:fs';
import { digestOf, type Digest } from '../../content/index.ts';
import { failedPrecondition } from '../../errdefs/index.ts';
import { layerCompression, MediaType, parseManifest, type Descriptor, type Manifest, type Reference } from '../../image/index.ts';
import { compress } from '../../layer/index.ts';
import type { ImageRecord } from '../../meta/index.ts';
import type { ImageStore } from '../../store/index.ts';
import { RegistryClient, type ClientOptions } from './client.ts';
import { mapLimit } from '../limit.ts';
import type { ProgressEvent } from './pull.ts';

export interface PushOptions extends ClientOptions {
  onProgress?: (e: ProgressEvent) => void;
  concurrency?: number;
  /** Upload in PATCH requests of this many bytes instead of one PUT. */
  chunkSize?: number;
  /** How layers stored uncompressed are compressed for the registry (gzip by default). */
  compression?: 'gzip' | 'zstd';
  /** Put the manifest under its digest instead of a tag (an entry of a manifest list). */
  byDigest?: boolean;
}

export interface PushResult {
  digest: Digest;
  size: number;
  mediaType: string;
}

export async function pushImage(store: ImageStore, image: ImageRecord, target: Reference, opts: PushOptions = {}): Promise<PushResult> {
  const progress = opts.onProgress ?? ((): void => undefined);
  for (const d of image.blobs) {
    if (!(await store.content.has(d))) throw failedPrecondition(`image ${image.id} is incomplete: blob ${d} is missing; run 'berth system check'`);
  }
  const { bytes, mediaType, manifest: m, replaced } = await store.writing(() => compressedManifest(store, image, opts.compression ?? 'gzip'));
  if (replaced) await store.sweep(); // the uncompressed blobs go
  const client = await RegistryClient.connect(target.domain, opts);
  try {
    const repo = target.path;
    // Repositories of this registry that had the image: blobs can be mounted from them.
    const sources = image.digests.map((d) => d.slice(0, d.indexOf('@'))).filter((r) => r.startsWith(`${target.domain}/`) && r !== `${target.domain}/${repo}`).map((r) => r.slice(target.domain.length + 1));
    const layers = m.layers.map((d) => ({ d, id: d.digest.slice(7, 19) }));
    for (const l of layers) progress({ id: l.id, status: 'Preparing' });
    await mapLimit(layers, opts.concurrency ?? 3, async ({ d, id }) => progress({ id, status: await pushBlob(client, store, repo, d, sources, opts.chunkSize, (e) => progress({ id, ...e })) }));
    await pushBlob(client, store, repo, m.config, sources, opts.chunkSize, () => undefined);
    const digest = await client.putManifest(repo, opts.byDigest ? digestOf(bytes) : (target.digest ?? target.tag ?? 'latest'), { bytes, mediaType });
    return { digest, size: bytes.length, mediaType };
  } finally {
    client.close();
  }
}

/** Makes sure the repository has a blob; says how, as Docker's progress does. */
async function pushBlob(client: RegistryClient, store: ImageStore, repo: string, d: Descriptor, sources: string[], chunkSize: number | undefined, progress: (e: Omit<ProgressEvent, 'id'>) => void): Promise<string> {
  if ((await client.hasBlob(repo, d.digest, [`repository:${repo}:pull,push`])) !== undefined) return 'Layer already exists';
  for (const from of sources) {
    if (await client.mountBlob(repo, d.digest, from)) return `Mounted from ${from}`;
  }
  progress({ status: 'Pushing', current: 0, total: d.size });
  const path = store.content.path(d.digest);
  await client.pushBlob(repo, d, (start) => createReadStream(path, { start }), { chunkSize });
  return 'Pushed';
}

/**
 * The manifest to push: the stored one when its layers are compressed; otherwise one whose
 * uncompressed layers are compressed now. That manifest becomes the image's, so the next push,
 * save or pull-back finds the same digests (Docker keeps such a mapping too).
 */
async function compressedManifest(store: ImageStore, image: ImageRecord, kind: 'gzip' | 'zstd'): Promise<{ bytes: Buffer; mediaType: string; manifest: Manifest; replaced: boolean }> {
  const bytes = await store.content.readBytes(image.manifest);
  const m = parseManifest(bytes, `manifest ${image.manifest}`);
  if (m.layers.every((l) => layerCompression(l.mediaType) !== 'none')) return { bytes, mediaType: image.manifestMediaType, manifest: m, replaced: false };
  // Docker's schema2 has no zstd layer type: such an image moves to OCI types.
  const oci = kind === 'zstd' || image.manifestMediaType === MediaType.OciManifest;
  const layers: Descriptor[] = [];
  for (const l of m.layers) {
    if (layerCompression(l.mediaType) !== 'none') {
      layers.push(l);
      continue;
    }
    const stored = await store.content.putStream(compress(createReadStream(store.content.path(l.digest), { highWaterMark: 1 << 20 }), kind), { what: `layer ${l.digest} compressed with ${kind}` });
    const type = kind === 'zstd' ? MediaType.OciLayerZstd : oci ? MediaType.OciLayerGzip : MediaType.DockerLayerGzip;
    layers.push({ ...l, mediaType: type, digest: stored.digest, size: stored.size });
  }
  const manifest: Manifest = {
    ...m,
    mediaType: oci ? MediaType.OciManifest : MediaType.DockerManifest,
    config: oci && m.config.mediaType === MediaType.DockerConfig ? { ...m.config, mediaType: MediaType.OciConfig } : m.config,
    layers,
  };
  const out = Buffer.from(JSON.stringify(manifest));
  const info = await store.content.put(out);
  await store.replaceManifest(image.id, { digest: info.digest, mediaType: manifest.mediaType as string, blobs: [info.digest, m.config.digest, ...layers.map((l) => l.digest)] });
  return { bytes: out, mediaType: manifest.mediaType as string, manifest, replaced: true };
}
