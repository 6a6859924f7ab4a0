// One pass over a blob's bytes that both stores it and, when it is a layer, checks or unpacks it:
// the bytes are hashed and written to the content store while the same chunks feed the layer. A
// plain tar is checked (its diff ID, and everything an unpack would refuse) and unpacked when a
// container first needs it; a compressed one is unpacked now, as decompressing it again later
// would cost more than the file writes it saves.
import { PassThrough } from 'node:stream';
import type { BlobInfo, Digest, Expected, Ingest } from '../content/index.ts';
import type { LayerRecord } from '../meta/index.ts';
import type { ImageStore } from './store.ts';

export interface StoredBlob extends BlobInfo {
  /** The layer, when the blob was checked or unpacked as one while it was stored; errors surface on use. */
  layer?: Promise<LayerRecord>;
}

export interface BlobOptions {
  expected?: Expected;
  /** Whether the blob is a layer, from its first bytes. */
  layer: (head: Buffer) => boolean;
  expectedDiffId?: Digest;
  what: string;
}

/** Stores a stream as a blob (see BlobWriter). */
export async function storeBlob(store: ImageStore, body: AsyncIterable<Buffer | Uint8Array>, opts: BlobOptions): Promise<StoredBlob> {
  const w = await BlobWriter.open(store, opts);
  try {
    for await (const c of body) if (!w.write(Buffer.isBuffer(c) ? c : Buffer.from(c))) await w.drained();
    return await w.finish();
  } catch (err) {
    await w.abort(err);
    throw err;
  }
}

/**
 * A blob being stored from chunks pushed into it: write() each (with, for a borrowed chunk, what
 * to call once it is no longer needed), then finish() or abort(). A plain tar layer is checked
 * from the same chunks as they pass; a compressed one is unpacked from a copy of them.
 */
export class BlobWriter {
  private readonly store: ImageStore;
  private readonly ingest: Ingest;
  private readonly opts: BlobOptions;
  private first = true;
  private check: { push(chunk: Buffer): void; finish(): Promise<LayerRecord> } | undefined;
  /** The input of a compressed layer's unpack. */
  private tee: PassThrough | undefined;
  private layer: Promise<LayerRecord> | undefined;
  // A plain tar's digest is its diff ID: the check takes it from here rather than hash it again.
  private readonly blobDigest = Promise.withResolvers<Digest>();

  static async open(store: ImageStore, opts: BlobOptions): Promise<BlobWriter> {
    return new BlobWriter(store, await store.content.ingest(opts.expected), opts);
  }

  private constructor(store: ImageStore, ingest: Ingest, opts: BlobOptions) {
    this.store = store;
    this.ingest = ingest;
    this.opts = opts;
    this.blobDigest.promise.catch(() => undefined); // awaited by the check, which may have failed first
  }

  /** False when the caller should wait for drained(). `done` is called once the chunk is no longer needed. */
  write(chunk: Buffer, done?: () => void): boolean {
    if (this.first) this.begin(chunk);
    // A check reads the chunk now, synchronously; a failed check ignores the rest.
    this.check?.push(chunk);
    const tee = this.tee;
    // A failed unpack destroys its input; the blob is still stored, the error surfaces on use.
    const teeOk = !tee || tee.destroyed || tee.write(done ? Buffer.from(chunk) : chunk);
    return this.ingest.write(chunk, done) && teeOk;
  }

  private begin(head: Buffer): void {
    this.first = false;
    const { store, opts } = this;
    if (!opts.layer(head)) return;
    if (isPlainTar(head)) {
      this.check = store.layers.startCheck(this.blobDigest.promise, opts.expectedDiffId, opts.what);
    } else {
      this.tee = new PassThrough({ highWaterMark: 1 << 20 });
      // The unpack reading it reports its errors; without a listener, destroying it before the
      // unpack starts reading (a blob found wrong at once) would be an uncaught 'error' event.
      this.tee.on('error', () => undefined);
      this.layer = store.layers.unpack(this.tee, opts.expectedDiffId, opts.what);
      this.layer.catch(() => undefined); // observed by whoever uses the layer
    }
  }

  async drained(): Promise<void> {
    await this.ingest.drained();
    if (this.tee) await drained(this.tee);
  }

  async finish(): Promise<StoredBlob> {
    let info: BlobInfo;
    try {
      info = await this.ingest.commit();
    } catch (err) {
      // A blob that is not what it should be: its unpack must not finish either (its input ends
      // only once the blob is verified).
      this.blobDigest.reject(err);
      this.tee?.destroy(err as Error);
      await this.layer?.catch(() => undefined);
      throw err;
    }
    this.tee?.end();
    this.blobDigest.resolve(info.digest);
    const layer = this.check ? this.check.finish() : this.layer;
    if (layer) await layer.catch(() => undefined); // finished (ok or not) before the caller moves on
    return { ...info, layer };
  }

  async abort(err: unknown): Promise<void> {
    this.blobDigest.reject(err);
    this.tee?.destroy(err as Error);
    await this.ingest.abort();
    // Its unpack has removed its directory in tmp/ before the caller goes on (or exits).
    await this.layer?.catch(() => undefined);
  }
}

function drained(s: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    if (!s.writableNeedDrain) return resolve();
    const done = (): void => {
      s.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    s.on('drain', done).on('close', done).on('error', done);
  });
}

/** True when a blob's first bytes are a tar header or a gzip/zstd stream. */
export function looksLikeLayer(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true;
  return isPlainTar(head);
}

/** A ustar header at the start: an uncompressed tar (sha256 is the only digest stored, so its digest is its diff ID). */
function isPlainTar(head: Buffer): boolean {
  return head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';
}
