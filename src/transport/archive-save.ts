// `save`: writes images as `docker save` (API 1.44+) does — an OCI image layout (oci-layout,
// index.json, blobs/sha256/...) plus manifest.json and repositories for older readers — or as a
// plain oci-archive. Blobs are written as stored, so every digest survives a save/load round trip.
// Entries are ordered and timestamped the same way every time: the same images give the same bytes.
// The archive is a sequence of parts (headers and small files, and blobs named by digest), streamed
// (the API, standard output) or written into a file, where the kernel copies each blob (sendfile)
// without its bytes passing through JavaScript.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { hexOf, type Digest } from '../content/index.ts';
import { writeFully, type ImageRecord } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
import { MediaType, parseManifest } from '../image/index.ts';
import { encodeHeader, padding, TAR_END } from '../layer/index.ts';
import { sendfile } from '../sys/index.ts';
import { familiarName, tagOf } from './names.ts';

export interface SaveItem {
  image: ImageRecord;
  /** Full names to record for this image (RepoTags); empty when saved by ID. */
  names: string[];
}

type Format = 'docker-archive' | 'oci-archive';
/** A piece of the archive: bytes as they are, or a blob's whole content (its header is the part before). */
type Part = Buffer | { blob: Digest; size: number };

export function saveArchive(items: SaveItem[], store: ImageStore, format: Format): Readable {
  return Readable.from(streamed(archiveParts(items, store, format), store), { objectMode: false, highWaterMark: 1 << 20 });
}

/** Writes the archive into an open file (from its current position). */
export async function saveArchiveToFile(fh: FileHandle, items: SaveItem[], store: ImageStore, format: Format): Promise<void> {
  for await (const part of archiveParts(items, store, format)) {
    if (Buffer.isBuffer(part)) await writeFully(fh, part);
    else await copyBlob(fh, store, part.blob, part.size);
  }
}

async function* streamed(parts: AsyncIterable<Part>, store: ImageStore): AsyncGenerator<Buffer> {
  for await (const part of parts) {
    if (Buffer.isBuffer(part)) {
      yield part;
      continue;
    }
    let sent = 0;
    for await (const chunk of await store.content.read(part.blob)) {
      sent += (chunk as Buffer).length;
      if (sent > part.size) break;
      yield chunk as Buffer;
    }
    if (sent !== part.size) throw shortBlob(part.blob, part.size);
  }
}

function shortBlob(d: Digest, size: number): Error {
  return new Error(`blob ${d} changed size while it was saved (${size} bytes when the save began); run 'berth system check'`);
}

const EPOCH = 0;

async function* archiveParts(items: SaveItem[], store: ImageStore, format: Format): AsyncGenerator<Part> {
  const written = new Set<Digest>();
  yield dirHeader('blobs/');
  yield dirHeader('blobs/sha256/');
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const indexEntries: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};

  for (const { image, names } of items) {
    const manifestBytes = await store.content.readBytes(image.manifest);
    const m = parseManifest(manifestBytes, `manifest ${image.manifest}`);
    for (const d of [image.manifest, m.config.digest, ...m.layers.map((l) => l.digest)]) {
      if (written.has(d)) continue;
      written.add(d);
      const info = await store.content.info(d);
      if (!info) throw new Error(`blob ${d} is missing from the store; run 'berth system check'`);
      yield fileHeader(`blobs/sha256/${hexOf(d)}`, info.size);
      yield { blob: d, size: info.size };
      yield Buffer.alloc(padding(info.size));
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
  yield* smallFile('index.json', Buffer.from(JSON.stringify(index)));
  if (format === 'docker-archive') yield* smallFile('manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
  yield* smallFile('oci-layout', Buffer.from('{"imageLayoutVersion": "1.0.0"}'));
  if (format === 'docker-archive' && Object.keys(repositories).length > 0) yield* smallFile('repositories', Buffer.from(JSON.stringify(repositories)));
  yield TAR_END;
}

function dirHeader(name: string): Buffer {
  return encodeHeader({ name, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: EPOCH });
}

function fileHeader(name: string, size: number): Buffer {
  return encodeHeader({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: EPOCH });
}

function* smallFile(name: string, data: Buffer): Generator<Buffer> {
  yield fileHeader(name, data.length);
  yield data;
  yield Buffer.alloc(padding(data.length));
}

async function copyBlob(out: FileHandle, store: ImageStore, d: Digest, size: number): Promise<void> {
  const src = await open(store.content.path(d), 'r');
  try {
    let left = size;
    try {
      while (left > 0) {
        const n = sendfile(out.fd, src.fd, left);
        if (n === 0) throw shortBlob(d, size);
        left -= n;
      }
    } catch (err) {
      // A filesystem that sendfile cannot write to: the same bytes through a buffer, from where it stopped.
      if (!['EINVAL', 'ENOSYS', 'EOPNOTSUPP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
      while (left > 0) {
        const { bytesRead } = await src.read(buf, 0, Math.min(left, buf.length), size - left);
        if (bytesRead === 0) throw shortBlob(d, size);
        await writeFully(out, buf.subarray(0, bytesRead));
        left -= bytesRead;
      }
    }
  } finally {
    await src.close();
  }
}
