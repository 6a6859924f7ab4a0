// A repository in a registry as a copy source (`docker://host/repo:tag` to read) and destination
// (to write): blobs resume with Range after a broken connection; uploads skip what the
// repository has; the top manifest goes under the tag, the others by digest.
import { Readable } from 'node:stream';
import { invalidArgument, unavailable } from '../../errdefs/index.ts';
import type { Descriptor, Reference } from '../../image/index.ts';
import type { ImageDestination, ImageSource, RawManifest } from '../copy.ts';
import { RegistryClient, type ClientOptions } from './client.ts';
import { retryableError } from './errors.ts';

export class RegistrySource implements ImageSource {
  private readonly client: RegistryClient;
  private readonly ref: Reference;

  private constructor(client: RegistryClient, ref: Reference) {
    this.client = client;
    this.ref = ref;
  }

  static async open(ref: Reference, opts: ClientOptions): Promise<RegistrySource> {
    return new RegistrySource(await RegistryClient.connect(ref.domain, opts), ref);
  }

  /** A source over a client its caller connected (a mirror's) and closes. */
  static over(client: RegistryClient, ref: Reference): RegistrySource {
    return new RegistrySource(client, ref);
  }

  top(): Promise<RawManifest> {
    return this.client.manifest(this.ref.path, this.ref.digest ?? this.ref.tag ?? 'latest');
  }

  manifest(d: Descriptor): Promise<RawManifest> {
    return this.client.manifest(this.ref.path, d.digest);
  }

  async blob(d: Descriptor): Promise<Readable> {
    return Readable.from(resumableBlob(this.client, this.ref.path, d), { objectMode: false });
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export class RegistryDestination implements ImageDestination {
  private readonly client: RegistryClient;
  private readonly ref: Reference;

  private constructor(client: RegistryClient, ref: Reference) {
    this.client = client;
    this.ref = ref;
  }

  static async open(ref: Reference, opts: ClientOptions): Promise<RegistryDestination> {
    return new RegistryDestination(await RegistryClient.connect(ref.domain, opts), ref);
  }

  async has(d: Descriptor): Promise<boolean> {
    return (await this.client.hasBlob(this.ref.path, d.digest, [`repository:${this.ref.path}:pull,push`])) !== undefined;
  }

  async putBlob(d: Descriptor, body: Readable): Promise<void> {
    // One PUT of the stream as it comes: a failed upload is not retried (the stream is spent).
    await this.client.pushBlob(this.ref.path, d, () => body);
  }

  async putManifest(m: RawManifest, top: boolean): Promise<void> {
    await this.client.putManifest(this.ref.path, top ? (this.ref.digest ?? this.ref.tag ?? 'latest') : m.digest, m);
  }

  async commit(): Promise<void> {}

  async close(): Promise<void> {
    this.client.close();
  }
}

/**
 * A blob's bytes, resumed where they stopped when the connection breaks: a `Range` request when
 * the server allows it, else the same bytes skipped from a fresh download.
 */
async function* resumableBlob(client: RegistryClient, repo: string, desc: Descriptor): AsyncGenerator<Buffer> {
  let offset = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await client.blob(repo, desc.digest, offset);
      let skip = offset > 0 && res.status === 200 ? offset : 0; // the server ignored Range
      for await (const c of res.body as AsyncIterable<Buffer>) {
        let chunk = c;
        if (skip > 0) {
          const drop = Math.min(skip, chunk.length);
          skip -= drop;
          chunk = chunk.subarray(drop);
          if (chunk.length === 0) continue;
        }
        offset += chunk.length;
        if (offset > desc.size) throw invalidArgument(`blob ${desc.digest}: the registry sent more than the ${desc.size} bytes the manifest gives`);
        yield chunk;
      }
      if (offset < desc.size) throw Object.assign(new Error(`blob ${desc.digest}: the connection ended after ${offset} of ${desc.size} bytes`), { code: 'ECONNRESET' });
      return;
    } catch (err) {
      if (!retryableError(err)) throw err;
      if (attempt >= client.maxAttempts) throw unavailable(`fetching blob ${desc.digest} from ${client.domain}/${repo}: ${(err as Error).message} (${attempt} attempts)`);
      await client.retryDelay(attempt);
    }
  }
}
