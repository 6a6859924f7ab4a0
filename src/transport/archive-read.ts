// Reads an image archive (docker-archive as `docker save` writes it, old and new layouts, or an
// oci-archive) in one streaming pass. Entry paths are never used as disk paths: every file becomes
// a blob in the content store (verified against its name when the name is a digest), and files
// that look like layers are checked at the same time, as their bytes stream by.
import type { Readable } from 'node:stream';
import { posix } from 'node:path';
import { tarStream } from './tar-stream.ts';
import type { Digest } from '../content/index.ts';
import { invalidArgument, BerthError } from '../errdefs/index.ts';
import type { LayerRecord } from '../meta/index.ts';
import { storeBlob, looksLikeLayer, type ImageStore } from '../store/index.ts';

/** Metadata documents kept in memory (the rest are blobs). Bounded so a hostile archive cannot exhaust memory. */
const METADATA_FILES = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
const MAX_METADATA = 16 << 20;

export interface ArchiveFile {
  digest: Digest;
  size: number;
  /** The unpacked layer when this file looked like a tar (or a compressed tar). */
  layer?: Promise<LayerRecord>;
}

export interface ArchiveContents {
  files: Map<string, ArchiveFile>;
  metadata: Map<string, Buffer>;
  /** Symlink entries: path → target path, both normalised within the archive. */
  links: Map<string, string>;
}

export function normalizeArchivePath(p: string): string {
  const n = posix.normalize(`/${p}`).slice(1);
  return n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Looks a path up, following archive-internal symlinks (legacy layouts link duplicate layers). */
export function lookupFile(c: ArchiveContents, path: string): ArchiveFile | undefined {
  let p = normalizeArchivePath(path);
  for (let hops = 0; hops < 16; hops++) {
    const f = c.files.get(p);
    if (f) return f;
    const target = c.links.get(p);
    if (target === undefined) return undefined;
    p = target;
  }
  return undefined;
}

export async function readArchive(input: Readable, store: ImageStore): Promise<ArchiveContents> {
  const contents: ArchiveContents = { files: new Map(), metadata: new Map(), links: new Map() };
  // Layers the store has already: read once, before the input flows (another process adding one
  // meanwhile costs a check).
  const known = new Set(Object.keys((await store.document()).layers));
  const extract = tarStream().extract();
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract);
  let sawEntry = false;
  try {
    for await (const entry of extract) {
      sawEntry = true;
      const h = entry.header;
      const path = normalizeArchivePath(h.name);
      if (h.type === 'symlink' && h.linkname) {
        contents.links.set(path, normalizeArchivePath(posix.join(posix.dirname(path), h.linkname)));
      } else if (h.type === 'link' && h.linkname) {
        contents.links.set(path, normalizeArchivePath(h.linkname));
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      if (METADATA_FILES.has(path)) {
        if ((h.size ?? 0) > MAX_METADATA) throw invalidArgument(`invalid archive: ${path} is ${h.size} bytes, more than the ${MAX_METADATA} allowed`);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        contents.metadata.set(path, Buffer.concat(chunks));
        continue;
      }
      contents.files.set(path, await storeFile(entry as AsyncIterable<Buffer>, path, h.size ?? 0, store, known));
    }
  } catch (err) {
    if (err instanceof BerthError) throw err;
    const msg = (err as Error).message;
    throw invalidArgument(sawEntry ? `invalid archive: ${msg}` : `invalid archive: not a tar archive (${msg})`);
  }
  if (!sawEntry) throw invalidArgument('invalid archive: the archive is empty');
  return contents;
}

/** Streams one archive file into the content store, checking it on the way when it is a layer. */
async function storeFile(entry: AsyncIterable<Buffer>, path: string, size: number, store: ImageStore, known: Set<string>): Promise<ArchiveFile> {
  // Files under blobs/sha256/ are named by their digest: verify it. An uncompressed layer's digest
  // is its diff ID, so a layer already in the store is recognised and not checked again.
  const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
  const named = m ? (`sha256:${m[1]}` as Digest) : undefined;
  const stored = await storeBlob(store, entry, {
    expected: { digest: named, size, what: `archive entry ${path}` },
    layer: (head) => looksLikeLayer(head) && !(named && known.has(named)),
    what: `archive entry ${path}`,
  });
  return { digest: stored.digest, size: stored.size, layer: stored.layer };
}

/** Checks a stored blob as a layer (for files not recognised as layers while streaming). */
export async function checkBlob(store: ImageStore, d: Digest, expectedDiffId: Digest | undefined, what: string): Promise<LayerRecord> {
  return store.layers.check(await store.content.read(d), expectedDiffId, what);
}
