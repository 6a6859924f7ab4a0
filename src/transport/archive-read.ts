// Reads an image archive (docker-archive as `docker save` writes it, old and new layouts, or an
// oci-archive) in one streaming pass. Entry paths are never used as disk paths: every file becomes
// a blob in the content store (verified against its name when the name is a digest), and files
// that look like layers are checked at the same time, as their bytes stream by.
import { posix } from 'node:path';
import type { Digest } from '../content/index.ts';
import { invalidArgument, BerthError } from '../errdefs/index.ts';
import type { LayerRecord } from '../meta/index.ts';
import { TarParser, type TarHeader } from '../layer/index.ts';
import { BlobWriter, looksLikeLayer, type ImageStore } from '../store/index.ts';
import type { Chunk } from '../sys/index.ts';

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

/** What the tar parser saw in one chunk, handled in order once the chunk is parsed. */
type ArchiveEvent = { kind: 'entry'; header: TarHeader } | { kind: 'data'; bytes: Buffer } | { kind: 'end' };

export async function readArchive(input: AsyncIterable<Chunk>, store: ImageStore): Promise<ArchiveContents> {
  const contents: ArchiveContents = { files: new Map(), metadata: new Map(), links: new Map() };
  // Layers the store has already: read once, before the input flows (another process adding one
  // meanwhile costs a check).
  const known = new Set(Object.keys((await store.document()).layers));
  const events: ArchiveEvent[] = [];
  const parser = new TarParser({
    entry: (header) => events.push({ kind: 'entry', header }),
    data: (bytes) => events.push({ kind: 'data', bytes }),
    end: () => events.push({ kind: 'end' }),
  });
  const file = new ArchiveFileReader(contents, store, known);
  try {
    for await (const chunk of input) {
      parser.push(chunk.data);
      for (const e of events) {
        if (e.kind === 'entry') await file.begin(e.header);
        else if (e.kind === 'data') await file.data(e.bytes, chunk);
        else await file.end();
      }
      events.length = 0;
    }
    parser.finish();
  } catch (err) {
    await file.abort(err);
    // The store's own failures (a full disk) are not the archive's.
    if (err instanceof BerthError || (err as NodeJS.ErrnoException).syscall) throw err;
    const msg = (err as Error).message;
    throw invalidArgument(parser.entries > 0 ? `invalid archive: ${msg}` : `invalid archive: not a tar archive (${msg})`);
  }
  if (parser.entries === 0) throw invalidArgument('invalid archive: the archive is empty');
  return contents;
}

/** Takes the archive's entries one at a time: links noted, metadata kept in memory, every other file stored as a blob. */
class ArchiveFileReader {
  private path = '';
  private metadata: Buffer[] | undefined;
  private blob: BlobWriter | undefined;
  private readonly contents: ArchiveContents;
  private readonly store: ImageStore;
  private readonly known: Set<string>;

  constructor(contents: ArchiveContents, store: ImageStore, known: Set<string>) {
    this.contents = contents;
    this.store = store;
    this.known = known;
  }

  async begin(h: TarHeader): Promise<void> {
    const path = normalizeArchivePath(h.name);
    this.path = path;
    if (h.type === 'symlink' && h.linkname) {
      this.contents.links.set(path, normalizeArchivePath(posix.join(posix.dirname(path), h.linkname)));
    } else if (h.type === 'link' && h.linkname) {
      this.contents.links.set(path, normalizeArchivePath(h.linkname));
    }
    if (h.type !== 'file') return;
    if (METADATA_FILES.has(path)) {
      if (h.size > MAX_METADATA) throw invalidArgument(`invalid archive: ${path} is ${h.size} bytes, more than the ${MAX_METADATA} allowed`);
      this.metadata = [];
      return;
    }
    // Files under blobs/sha256/ are named by their digest: verify it. An uncompressed layer's digest
    // is its diff ID, so a layer already in the store is recognised and not checked again.
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
    const named = m ? (`sha256:${m[1]}` as Digest) : undefined;
    const what = `archive entry ${path}`;
    this.blob = await BlobWriter.open(this.store, {
      expected: { digest: named, size: h.size, what },
      layer: (head) => looksLikeLayer(head) && !(named && this.known.has(named)),
      what,
    });
  }

  async data(bytes: Buffer, chunk: Chunk): Promise<void> {
    if (this.metadata) this.metadata.push(Buffer.from(bytes)); // the chunk's buffer is reused
    else if (this.blob && !this.blob.write(bytes, chunk.hold())) await this.blob.drained();
  }

  async end(): Promise<void> {
    if (this.metadata) this.contents.metadata.set(this.path, Buffer.concat(this.metadata));
    this.metadata = undefined;
    const blob = this.blob;
    this.blob = undefined;
    if (!blob) return;
    const stored = await blob.finish();
    this.contents.files.set(this.path, { digest: stored.digest, size: stored.size, layer: stored.layer });
  }

  async abort(err: unknown): Promise<void> {
    await this.blob?.abort(err);
    this.blob = undefined;
  }
}

/** Checks a stored blob as a layer (for files not recognised as layers while streaming). */
export async function checkBlob(store: ImageStore, d: Digest, expectedDiffId: Digest | undefined, what: string): Promise<LayerRecord> {
  const file = await store.content.open(d);
  try {
    return await store.layers.check({ file }, expectedDiffId, what);
  } finally {
    await file.close();
  }
}
