// One pass over a blob's bytes that both stores it and, when it is a layer, checks or unpacks it:
// the bytes are hashed and written to the content store while the same chunks feed the layer. A
// plain tar is checked (its diff ID, and everything an unpack would refuse) and unpacked when a
// container first needs it; a compressed one is unpacked now, as decompressing it again later
// would cost more than the file writes it saves.
import { PassThrough } from 'node:stream';
import type { BlobInfo, Digest, Expected } from '../content/index.ts';
import type { LayerRecord } from '../meta/index.ts';
import type { ImageStore } from './store.ts';

export interface StoredBlob extends BlobInfo {
  /** The layer, when the blob was checked or unpacked as one while it was stored; errors surface on use. */
  layer?: Promise<LayerRecord>;
}

export async function storeBlob(
  store: ImageStore,
  body: AsyncIterable<Buffer | Uint8Array>,
  opts: { expected?: Expected; layer: (head: Buffer) => boolean | Promise<boolean>; expectedDiffId?: Digest; what: string },
): Promise<StoredBlob> {
  const ingest = await store.content.ingest(opts.expected);
  let layer: Promise<LayerRecord> | undefined;
  let tee: PassThrough | undefined;
  let first = true;
  // A plain tar's digest is its diff ID: the check takes it from here rather than hash it again.
  let blobDigest: { resolve: (d: Digest) => void; reject: (e: unknown) => void; promise: Promise<Digest> } | undefined;
  try {
    for await (const c of body) {
      const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c);
      if (first) {
        first = false;
        if (await opts.layer(chunk)) {
          tee = new PassThrough({ highWaterMark: 1 << 20 });
          if (isPlainTar(chunk)) {
            blobDigest = Promise.withResolvers<Digest>();
            blobDigest.promise.catch(() => undefined); // awaited by the check, which may have failed first
          }
          layer = blobDigest
            ? store.layers.check(tee, opts.expectedDiffId, opts.what, blobDigest.promise)
            : store.layers.unpack(tee, opts.expectedDiffId, opts.what);
          layer.catch(() => undefined); // observed by whoever uses the layer
        }
      }
      const more = ingest.write(chunk);
      // A failed check destroys its input; the blob is still stored, the error surfaces on use.
      if (tee && !tee.destroyed && !tee.write(chunk)) await drained(tee);
      if (!more) await ingest.drained();
    }
    tee?.end();
    const info = await ingest.commit();
    blobDigest?.resolve(info.digest);
    if (layer) await layer.catch(() => undefined); // finished (ok or not) before the caller moves on
    return { ...info, layer };
  } catch (err) {
    blobDigest?.reject(err);
    tee?.destroy(err as Error);
    await ingest.abort();
    throw err;
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
