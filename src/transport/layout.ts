// An OCI image layout directory (`oci:DIR[:REF]`, image-spec's image-layout): blobs/sha256/<hex>,
// index.json naming manifests by `org.opencontainers.image.ref.name`, and the oci-layout marker.
// As a source it reads what index.json names; as a destination it writes blobs through a
// temporary file (renamed once complete) and replaces the index entry of the same name.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { hexOf, type Digest } from '../content/index.ts';
import { errnoCode, invalidArgument, notFound } from '../errdefs/index.ts';
import { MediaType, parseIndex, type Descriptor, type Index } from '../image/index.ts';
import type { ImageDestination, ImageSource, RawManifest } from './copy.ts';

const REF_NAME = 'org.opencontainers.image.ref.name';

function blobPath(dir: string, d: Digest): string {
  return join(dir, 'blobs', 'sha256', hexOf(d));
}

async function readIndex(dir: string): Promise<Index> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, 'index.json'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw notFound(`${dir} is not an OCI layout: it has no index.json`);
    throw err;
  }
  return parseIndex(bytes, `${dir}/index.json`);
}

export class LayoutSource implements ImageSource {
  private readonly dir: string;
  private readonly ref: string | undefined;

  /** `ref`: the name in index.json; without one, the layout must hold exactly one manifest. */
  constructor(dir: string, ref?: string) {
    this.dir = dir;
    this.ref = ref;
  }

  async top(): Promise<RawManifest> {
    const index = await readIndex(this.dir);
    const named = this.ref === undefined ? index.manifests : index.manifests.filter((m) => m.annotations?.[REF_NAME] === this.ref || m.annotations?.['io.containerd.image.name'] === this.ref);
    if (named.length === 0) throw notFound(`no image named "${this.ref}" in the OCI layout ${this.dir}`);
    if (named.length > 1) throw invalidArgument(`the OCI layout ${this.dir} holds ${named.length} images: name one (oci:${this.dir}:NAME)`);
    return this.manifest(named[0] as Descriptor);
  }

  async manifest(d: Descriptor): Promise<RawManifest> {
    const bytes = await readFile(blobPath(this.dir, d.digest)).catch((err: unknown) => {
      throw errnoCode(err) === 'ENOENT' ? notFound(`manifest ${d.digest} is not in the OCI layout ${this.dir}`) : err;
    });
    return { bytes, mediaType: d.mediaType, digest: d.digest };
  }

  async blob(d: Descriptor): Promise<Readable> {
    const path = blobPath(this.dir, d.digest);
    await stat(path).catch((err: unknown) => {
      throw errnoCode(err) === 'ENOENT' ? notFound(`blob ${d.digest} is not in the OCI layout ${this.dir}`) : err;
    });
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  async close(): Promise<void> {}
}

export class LayoutDestination implements ImageDestination {
  readonly dir: string;
  private readonly ref: string | undefined;
  private top: RawManifest | undefined;

  constructor(dir: string, ref?: string) {
    this.dir = dir;
    this.ref = ref;
  }

  async has(d: Descriptor): Promise<boolean> {
    return stat(blobPath(this.dir, d.digest)).then(
      (s) => s.size === d.size,
      () => false,
    );
  }

  async putBlob(d: Descriptor, body: Readable): Promise<void> {
    const path = blobPath(this.dir, d.digest);
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    const tmp = `${path}.partial-${process.pid}`;
    try {
      await pipeline(body, createWriteStream(tmp));
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async putManifest(m: RawManifest, top: boolean): Promise<void> {
    await this.putBlob({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, Readable.from([m.bytes]));
    if (top) this.top = m;
  }

  /** index.json names the top manifest: an entry with the same name is replaced, others are kept. */
  async commit(): Promise<void> {
    if (!this.top) throw invalidArgument('nothing was copied');
    let index: Index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    try {
      index = await readIndex(this.dir);
    } catch (err) {
      if (!(err instanceof Error && /has no index\.json/.test(err.message))) throw err;
    }
    const entry: Descriptor = { mediaType: this.top.mediaType, digest: this.top.digest, size: this.top.bytes.length, ...(this.ref ? { annotations: { [REF_NAME]: this.ref } } : {}) };
    const kept = index.manifests.filter((m) => (this.ref ? m.annotations?.[REF_NAME] !== this.ref : m.digest !== entry.digest));
    const next = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...kept, entry] };
    await writeFile(join(this.dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const tmp = join(this.dir, `index.json.${process.pid}`);
    await writeFile(tmp, JSON.stringify(next));
    await rename(tmp, join(this.dir, 'index.json'));
  }

  async close(): Promise<void> {}
}

/** The digest and size of a file, read as a stream (for archives that name blobs by path). */
export async function fileDigest(path: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(c);
    size += c.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
