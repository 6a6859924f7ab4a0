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
 * A pass-through stream that hashes and counts what flows through it. When `expected` is given it
 * fails at the end (before the last chunk is acknowledged) on a digest or size mismatch, and fails
 * early when the size is exceeded, so a lying source never streams unbounded data.
 */
export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private result: Digest | undefined;
  private readonly expected: { digest?: Digest; size?: number; what?: string } | undefined;

  constructor(expected?: { digest?: Digest; size?: number; what?: string }) {
    super();
    this.expected = expected;
  }

  get size(): number {
    return this.count;
  }

  /** The digest of everything that flowed through; available once the stream has finished. */
  get digest(): Digest {
    if (this.result === undefined) throw new BerthError('Internal', 'digest read before the stream finished');
    return this.result;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    const max = this.expected?.size;
    if (max !== undefined && this.count > max) {
      cb(sizeMismatch(this.expected?.what, max, this.count, true));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    const e = this.expected;
    if (e?.size !== undefined && this.count !== e.size) return cb(sizeMismatch(e.what, e.size, this.count, false));
    if (e?.digest !== undefined && this.result !== e.digest) {
      return cb(invalidArgument(`digest mismatch${e.what ? ` for ${e.what}` : ''}: expected ${e.digest}, got ${this.result}`, e.digest));
    }
    cb();
  }
}

function sizeMismatch(what: string | undefined, expected: number, got: number, atLeast: boolean): BerthError {
  return invalidArgument(`size mismatch${what ? ` for ${what}` : ''}: expected ${expected} bytes, got ${atLeast ? 'more than ' + expected : got}`);
}
