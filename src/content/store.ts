// Content-addressed blob store (containerd's content store): blobs/sha256/<hex>, immutable.
// Every write goes through an Ingest: bytes are hashed while they are written to a temporary file
// in tmp/, which is fsynced and renamed under its digest only after verification, so a crash never
// leaves a half blob under a digest name.
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode, notFound, invalidArgument } from '../errdefs/index.ts';
import { DigestStream, DigestVerifier, hexOf, isDigest, type Digest, type Expected } from './digest.ts';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export class ContentStore {
  readonly blobDir: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  path(d: Digest): string {
    return join(this.blobDir, hexOf(d));
  }

  async info(d: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await stat(this.path(d));
      return { digest: d, size: st.size };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async has(d: Digest): Promise<boolean> {
    return (await this.info(d)) !== undefined;
  }

  /** A stream of the blob, or of a byte range of it (end inclusive, as HTTP ranges are). */
  async read(d: Digest, range?: { start: number; end?: number }): Promise<Readable> {
    // Open first so a missing blob is a NotFound error here, not a stream error later.
    const fh = await this.open(d);
    return fh.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 1 << 20 });
  }

  /** The blob's file, open for reading (the caller closes it). */
  open(d: Digest): Promise<FileHandle> {
    return open(this.path(d), 'r').catch((err: unknown) => {
      throw errnoCode(err) === 'ENOENT' ? notFound(`blob ${d} not found in the content store`, d) : err;
    });
  }

  async readBytes(d: Digest): Promise<Buffer> {
    try {
      return await readFile(this.path(d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(`blob ${d} not found in the content store`, d);
      throw err;
    }
  }

  /** Stores a small blob held in memory. */
  async put(data: Buffer | string, expected?: Expected): Promise<BlobInfo> {
    const ingest = await this.ingest(expected);
    try {
      ingest.write(typeof data === 'string' ? Buffer.from(data) : data);
      return await ingest.commit();
    } catch (err) {
      await ingest.abort();
      throw err;
    }
  }

  /** Stores a stream; verifies it against `expected` when given. */
  async putStream(body: Readable, expected?: Expected): Promise<BlobInfo> {
    const ingest = await this.ingest(expected);
    try {
      await ingest.pipeFrom(body);
      return await ingest.commit();
    } catch (err) {
      await ingest.abort();
      throw err;
    }
  }

  async ingest(expected?: Expected): Promise<Ingest> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `ingest-${process.pid}-${randomBytes(6).toString('hex')}`);
    return new Ingest(this, tmp, await open(tmp, 'wx', 0o644), expected);
  }

  async delete(d: Digest): Promise<void> {
    await rm(this.path(d), { force: true });
  }

  /** Every blob in the store, with names that are not digests reported separately. */
  async list(): Promise<{ blobs: Digest[]; strays: string[] }> {
    const { digests, strays } = await listDigestNamed(this.blobDir);
    return { blobs: digests, strays };
  }

  /** Re-hashes a blob; returns the digest its bytes actually have. */
  async verify(d: Digest): Promise<Digest> {
    const hasher = new DigestStream();
    await pipeline(await this.read(d), hasher, new Writable({ write: (_chunk, _enc, cb) => cb() }));
    return hasher.digest;
  }
}

/** Bytes an ingest lets the thread pool have in flight before write() asks its caller to wait. */
const IN_FLIGHT = 8 << 20;
/** Chunks smaller than this are copied together and written as one (a tar of small files comes as 512-byte headers and small bodies). */
const SMALL = 64 << 10;
const GATHER = 1 << 20;

/**
 * One blob being written. write()/pipeFrom(), then commit() (verify + rename) or abort(). Bytes
 * are hashed as they are given and written at their offsets by the thread pool, several chunks at
 * a time, so the disk works while the caller reads and hashes what comes next.
 */
export class Ingest {
  private readonly verifier: DigestVerifier;
  private readonly fh: FileHandle;
  /** Bytes given to write() and not yet written. */
  private pending = 0;
  private readonly writes = new Set<Promise<void>>();
  /** Small chunks copied together, to be written from `gatheredAt`. */
  private gathered: Buffer | undefined;
  private gatheredLength = 0;
  private gatheredAt = 0;
  private failure: unknown;
  private wake: (() => void) | undefined;
  private finished = false;
  private closed = false;

  private readonly store: ContentStore;
  readonly tmpPath: string;

  constructor(store: ContentStore, tmpPath: string, fh: FileHandle, expected: Expected | undefined) {
    this.store = store;
    this.tmpPath = tmpPath;
    this.fh = fh;
    this.verifier = new DigestVerifier(expected);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.verifier.size;
  }

  /**
   * Takes a chunk (a large one is kept, not copied, until it is written), then calls `written`;
   * false when the caller should wait for drained().
   */
  write(chunk: Buffer, written?: () => void): boolean {
    if (this.failure !== undefined) throw this.failure;
    if (this.finished) throw invalidArgument('ingest already finished');
    const at = this.verifier.size;
    this.verifier.update(chunk);
    if (chunk.length < SMALL) {
      if (this.gathered && this.gatheredLength + chunk.length > GATHER) this.flushGathered();
      if (!this.gathered) {
        this.gathered = Buffer.allocUnsafe(GATHER);
        this.gatheredLength = 0;
        this.gatheredAt = at;
      }
      this.gatheredLength += chunk.copy(this.gathered, this.gatheredLength);
      written?.();
    } else {
      this.flushGathered();
      this.issue(chunk, at, written);
    }
    return this.pending < IN_FLIGHT;
  }

  private flushGathered(): void {
    if (!this.gathered) return;
    this.issue(this.gathered.subarray(0, this.gatheredLength), this.gatheredAt);
    this.gathered = undefined;
  }

  private issue(chunk: Buffer, at: number, written?: () => void): void {
    this.pending += chunk.length;
    const w: Promise<void> = this.writeAt(chunk, at).then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err;
      },
    ).finally(() => {
      this.pending -= chunk.length;
      this.writes.delete(w);
      written?.();
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    });
    this.writes.add(w);
  }

  private async writeAt(chunk: Buffer, at: number): Promise<void> {
    for (let off = 0; off < chunk.length; ) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.length - off, at + off);
      if (bytesWritten === 0) throw new Error(`a write to ${this.tmpPath} wrote nothing`);
      off += bytesWritten;
    }
  }

  /** Resolves when the ingest can take more bytes (after write() returned false). */
  async drained(): Promise<void> {
    while (this.pending >= IN_FLIGHT && this.failure === undefined) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure !== undefined) throw this.failure;
  }

  /** Writes a whole stream into the ingest (without finishing it). */
  async pipeFrom(body: Readable): Promise<void> {
    for await (const chunk of body) if (!this.write(chunk as Buffer)) await this.drained();
  }

  /** Finishes the blob: verifies digest and size, fsyncs, and renames it under its digest. */
  async commit(): Promise<BlobInfo> {
    if (this.finished) throw invalidArgument('ingest already finished');
    this.finished = true;
    try {
      this.flushGathered();
      await Promise.all(this.writes);
      if (this.failure !== undefined) throw this.failure;
      const digest = this.verifier.finish();
      await this.fh.sync();
      await this.close();
      // If the blob is already there (another writer won), ours is identical by definition.
      await rename(this.tmpPath, this.store.path(digest));
      return { digest, size: this.verifier.size };
    } catch (err) {
      await this.close().catch(() => undefined);
      await unlink(this.tmpPath).catch(() => undefined);
      throw err;
    }
  }

  async abort(): Promise<void> {
    this.finished = true;
    this.gathered = undefined;
    await Promise.all(this.writes);
    await this.close().catch(() => undefined);
    await unlink(this.tmpPath).catch(() => undefined);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/** The entries of a directory named by sha256 hex (blobs, layers), and the paths of any others. */
export async function listDigestNamed(dir: string): Promise<{ digests: Digest[]; strays: string[] }> {
  const names = await readdir(dir).catch((err: unknown) => (errnoCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
  const digests: Digest[] = [];
  const strays: string[] = [];
  for (const n of names as string[]) {
    const d = `sha256:${n}`;
    if (isDigest(d)) digests.push(d);
    else strays.push(join(dir, n));
  }
  return { digests, strays };
}
