// `save`: writes images as `docker save` (API 1.44+) does — an OCI image layout (oci-layout,
// index.json, blobs/sha256/...) plus manifest.json and repositories for older readers — or as a
// plain oci-archive. Blobs are written as stored, so every digest survives a save/load round trip.
// Entries are ordered and timestamped the same way every time: the same images give the same bytes.
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { hexOf, type Digest } from '../content/index.ts';
import type { ImageRecord } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
import { MediaType, parseManifest } from '../image/index.ts';
import { familiarName, tagOf } from './names.ts';

export interface SaveItem {
  image: ImageRecord;
  /** Full names to record for this image (RepoTags); empty when saved by ID. */
  names: string[];
}

export function saveArchive(items: SaveItem[], store: ImageStore, format: 'docker-archive' | 'oci-archive'): Readable {
  const pack = tar.pack();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  pack.on('error', (e) => out.destroy(e));
  pack.pipe(out);
  writeAll(pack, items, store, format).then(
    () => pack.finalize(),
    (err: unknown) => out.destroy(err as Error),
  );
  return out;
}

const EPOCH = new Date(0);

async function writeAll(pack: tar.Pack, items: SaveItem[], store: ImageStore, format: 'docker-archive' | 'oci-archive'): Promise<void> {
  const written = new Set<Digest>();
  await addDir(pack, 'blobs/');
  await addDir(pack, 'blobs/sha256/');
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const indexEntries: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};

  for (const { image, names } of items) {
    const manifestBytes = await store.content.readBytes(image.manifest);
    const m = parseManifest(manifestBytes, `manifest ${image.manifest}`);
    for (const d of [image.manifest, m.config.digest, ...m.layers.map((l) => l.digest)]) {
      if (written.has(d)) continue;
      written.add(d);
      await addBlob(pack, store, d);
    }
    const blobPath = (d: Digest): string => `blobs/sha256/${hexOf(d)}`;
    dockerManifest.push({ Config: blobPath(m.config.digest), RepoTags: names.map(familiarName), Layers: m.layers.map((l) => blobPath(l.digest)) });
    const desc = { mediaType: image.manifestMediaType, digest: image.manifest, size: manifestBytes.length };
    if (names.length === 0) indexEntries.push(desc);
    for (const n of names) {
      indexEntries.push({ ...desc, annotations: { 'io.containerd.image.name': n, 'org.opencontainers.image.ref.name': tagOf(n) } });
      const last = m.layers.at(-1);
      if (last) (repositories[familiarName(n).replace(/:[^:/]+$/, '')] ??= {})[tagOf(n)] = hexOf(last.digest);
    }
  }
  const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: indexEntries };
  await addFile(pack, 'index.json', Buffer.from(JSON.stringify(index)));
  if (format === 'docker-archive') await addFile(pack, 'manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
  await addFile(pack, 'oci-layout', Buffer.from('{"imageLayoutVersion": "1.0.0"}'));
  if (format === 'docker-archive' && Object.keys(repositories).length > 0) await addFile(pack, 'repositories', Buffer.from(JSON.stringify(repositories)));
}

function addDir(pack: tar.Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => pack.entry({ name, type: 'directory', mode: 0o755, mtime: EPOCH }, (e) => (e ? reject(e) : resolve())));
}

function addFile(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => pack.entry({ name, mode: 0o644, mtime: EPOCH, size: data.length }, data, (e) => (e ? reject(e) : resolve())));
}

async function addBlob(pack: tar.Pack, store: ImageStore, d: Digest): Promise<void> {
  const info = await store.content.info(d);
  if (!info) throw new Error(`blob ${d} is missing from the store; run 'berth system check'`);
  const src = await store.content.read(d);
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ name: `blobs/sha256/${hexOf(d)}`, mode: 0o644, mtime: EPOCH, size: info.size }, (e) => (e ? reject(e) : resolve()));
    src.on('error', (e) => {
      sink.destroy(e);
      reject(e);
    });
    src.pipe(sink);
  });
}
