// Digests: the one place that says what a valid digest is, and the one verifying stream that every
// path (content ingest, copies, the registry server) uses to check bytes against a digest.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { invalidArgument, BerthError } from '../errdefs/index.ts';

export type Digest = `sha256:${string}`;

const SHA256 = /^sha256:[a-f0-9]{64}$/;
// The OCI image-spec grammar: algorithm ":" encoded. Only sha256 is supported for storage.
const ANY_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(s: string): s is Digest {
  return SHA256.test(s);
}

/** Validates a digest string from outside (a manifest, a URL, a file name). */
export function parseDigest(s: string, where = 'digest'): Digest {
  if (isDigest(s)) return s;
  if (ANY_DIGEST.test(s)) {
    if (!s.startsWith('sha256:')) throw invalidArgument(`unsupported digest algorithm in ${where}: ${s}`, s);
    throw invalidArgument(`invalid checksum digest length in ${where}: ${s}`, s);
  }
  throw invalidArgument(`invalid digest format in ${where}: ${JSON.stringify(s)}`, s);
}

export function digestOf(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The hex part of a digest (what goes in file names). */
export function hexOf(d: Digest): string {
  return d.slice('sha256:'.length);
}

/**
 * Hashes and counts bytes, checking them against `expected` when given: update() throws as soon as
 * the size is exceeded, so a lying source never streams unbounded data, and finish() throws on a
 * digest or size mismatch.
 */
export class DigestVerifier {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private result: Digest | undefined;
  private readonly expected: Expected | undefined;

  constructor(expected?: Expected) {
    this.expected = expected;
  }

  get size(): number {
    return this.count;
  }

  /** The digest of everything hashed; available once finish() has run. */
  get digest(): Digest {
    if (this.result === undefined) throw new BerthError('Internal', 'digest read before the stream finished');
    return this.result;
  }

  update(chunk: Uint8Array): void {
    this.count += chunk.length;
    const max = this.expected?.size;
    if (max !== undefined && this.count > max) throw sizeMismatch(this.expected?.what, max, this.count, true);
    this.hash.update(chunk);
  }

  finish(): Digest {
    this.result ??= `sha256:${this.hash.digest('hex')}`;
    const e = this.expected;
    if (e?.size !== undefined && this.count !== e.size) throw sizeMismatch(e.what, e.size, this.count, false);
    if (e?.digest !== undefined && this.result !== e.digest) {
      throw invalidArgument(`digest mismatch${e.what ? ` for ${e.what}` : ''}: expected ${e.digest}, got ${this.result}`, e.digest);
    }
    return this.result;
  }
}

/** What a blob should be: its digest and size when known, and what it is for messages ("layer 3 of busybox:latest"). */
export interface Expected {
  digest?: Digest;
  size?: number;
  what?: string;
}

/**
 * A pass-through stream that hashes and counts what flows through it, failing as DigestVerifier
 * does (at the end, before the last chunk is acknowledged, on a mismatch).
 */
export class DigestStream extends Transform {
  private readonly verifier: DigestVerifier;

  constructor(expected?: Expected) {
    super();
    this.verifier = new DigestVerifier(expected);
  }

  get size(): number {
    return this.verifier.size;
  }

  /** The digest of everything that flowed through; available once the stream has finished. */
  get digest(): Digest {
    return this.verifier.digest;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.verifier.update(chunk);
    } catch (err) {
      return cb(err as Error);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.verifier.finish();
    } catch (err) {
      return cb(err as Error);
    }
    cb();
  }
}

function sizeMismatch(what: string | undefined, expected: number, got: number, atLeast: boolean): BerthError {
  return invalidArgument(`size mismatch${what ? ` for ${what}` : ''}: expected ${expected} bytes, got ${atLeast ? 'more than ' + expected : got}`);
}
