// Archives as copy locations: `oci-archive:FILE` (a tar of an OCI layout) and
// `docker-archive:FILE[:NAME]` (what `docker save` writes: an OCI layout plus manifest.json, or
// only manifest.json and layer tars in the legacy layout). A source is unpacked to a temporary
// directory first (entries checked: regular files and directories with plain relative paths); a
// destination is an OCI layout in a temporary directory, packed into FILE when the copy commits.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tarStream } from './tar-stream.ts';
import { digestOf, hexOf, type Digest } from '../content/index.ts';
import { invalidArgument, notFound } from '../errdefs/index.ts';
import { layerMediaTypeFor, MediaType, parseManifest, parseReference, repositoryOf, type Descriptor } from '../image/index.ts';
import type { ImageDestination, ImageSource, RawManifest } from './copy.ts';
import { fileDigest, LayoutDestination, LayoutSource } from './layout.ts';
import { familiarName } from './names.ts';

export type ArchiveFormat = 'oci-archive' | 'docker-archive';

/** Opens an archive as a source; `name` picks an image in it (a ref name, or a RepoTag). */
export async function openArchiveSource(file: string, format: ArchiveFormat, name?: string): Promise<ImageSource> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-archive-'));
  try {
    await unpackTo(file, dir);
    const hasIndex = await stat(join(dir, 'index.json')).then(() => true, () => false);
    const inner: ImageSource = format === 'docker-archive' && (!hasIndex || name !== undefined) && (await stat(join(dir, 'manifest.json')).then(() => true, () => false)) ? await LegacyDockerSource.open(dir, name) : new LayoutSource(dir, name);
    return withCleanup(inner, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function withCleanup(inner: ImageSource, dir: string): ImageSource {
  return {
    top: () => inner.top(),
    manifest: (d) => inner.manifest(d),
    blob: (d) => inner.blob(d),
    close: async () => {
      await inner.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Unpacks an archive's regular files and directories; anything else, or a path leaving the directory, is refused. */
async function unpackTo(file: string, dir: string): Promise<void> {
  const extract = tarStream().extract();
  const input = createReadStream(file).on('error', (e) => extract.destroy(e));
  input.pipe(extract);
  for await (const entry of extract) {
    const name = normalize(entry.header.name).replace(/^\.\/?/, '').replace(/\/$/, '');
    if (name === '' || name === '.') {
      entry.resume();
      continue;
    }
    if (name.startsWith('..') || name.startsWith('/')) throw invalidArgument(`invalid archive ${file}: entry "${entry.header.name}" points outside the archive`);
    const target = join(dir, name);
    if (entry.header.type === 'directory') {
      await mkdir(target, { recursive: true });
      entry.resume();
    } else if (entry.header.type === 'file') {
      await mkdir(dirname(target), { recursive: true });
      await pipeline(entry, createWriteStream(target));
    } else if (entry.header.type === 'symlink' || entry.header.type === 'link') {
      // `docker save`'s legacy layout links identical layers: copy what they point at, inside the archive only.
      const linkname = entry.header.linkname ?? '';
      const to = normalize(entry.header.type === 'link' ? linkname : join(dirname(name), linkname));
      if (linkname === '' || to.startsWith('..') || to.startsWith('/')) throw invalidArgument(`invalid archive ${file}: link "${entry.header.name}" points outside the archive`);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(dir, to), target).catch(() => {
        throw invalidArgument(`invalid archive ${file}: link "${entry.header.name}" points at "${linkname}", which comes later or not at all`);
      });
      entry.resume();
    } else {
      entry.resume();
    }
  }
}

/** The legacy docker-archive: manifest.json names a config file and layer tars; the manifest is made here. */
class LegacyDockerSource implements ImageSource {
  private readonly dir: string;
  private readonly manifestBytes: Buffer;
  private readonly paths: Map<Digest, string>;

  private constructor(dir: string, manifestBytes: Buffer, paths: Map<Digest, string>) {
    this.dir = dir;
    this.manifestBytes = manifestBytes;
    this.paths = paths;
  }

  static async open(dir: string, name?: string): Promise<LegacyDockerSource> {
    let entries: { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[];
    try {
      entries = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as typeof entries;
    } catch (err) {
      throw invalidArgument(`invalid archive: manifest.json: ${(err as Error).message}`);
    }
    if (!Array.isArray(entries) || entries.length === 0) throw invalidArgument('invalid archive: manifest.json lists no image');
    const wanted = name === undefined ? undefined : familiarName(`${repositoryOf(parseReference(name))}:${parseReference(name).tag ?? 'latest'}`);
    const entry = wanted === undefined ? entries[0] : entries.find((e) => Array.isArray(e.RepoTags) && (e.RepoTags as string[]).some((t) => familiarName(`${repositoryOf(parseReference(t))}:${parseReference(t).tag ?? 'latest'}`) === wanted));
    if (!entry) throw notFound(`no image named "${name}" in the archive`);
    if (wanted === undefined && entries.length > 1) throw invalidArgument(`the archive holds ${entries.length} images: name one (docker-archive:FILE:NAME)`);
    if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) throw invalidArgument('invalid archive: a manifest.json entry lacks Config or Layers');
    const paths = new Map<Digest, string>();
    const describe = async (rel: string, mediaType?: string): Promise<Descriptor> => {
      const path = join(dir, normalize(rel));
      if (!path.startsWith(`${dir}/`)) throw invalidArgument(`invalid archive: ${rel} points outside the archive`);
      const { digest, size } = await fileDigest(path).catch(() => {
        throw invalidArgument(`invalid archive: ${rel} is not in the archive`);
      });
      paths.set(digest, path);
      if (mediaType) return { mediaType, digest, size };
      const head = Buffer.alloc(512);
      const fh = await open(path, 'r');
      try {
        await fh.read(head, 0, 512, 0);
      } finally {
        await fh.close();
      }
      const oci = layerMediaTypeFor(head);
      return { mediaType: oci === MediaType.OciLayerGzip ? MediaType.DockerLayerGzip : oci === MediaType.OciLayer ? MediaType.DockerLayer : oci, digest, size };
    };
    const config = await describe(entry.Config, MediaType.DockerConfig);
    const layers: Descriptor[] = [];
    for (const l of entry.Layers as unknown[]) {
      if (typeof l !== 'string') throw invalidArgument('invalid archive: Layers must be a list of paths');
      layers.push(await describe(l));
    }
    const manifest = { schemaVersion: 2, mediaType: MediaType.DockerManifest, config, layers };
    return new LegacyDockerSource(dir, Buffer.from(JSON.stringify(manifest)), paths);
  }

  async top(): Promise<RawManifest> {
    return { bytes: this.manifestBytes, mediaType: MediaType.DockerManifest, digest: digestOf(this.manifestBytes) };
  }

  async manifest(d: Descriptor): Promise<RawManifest> {
    throw notFound(`manifest ${d.digest} is not in the archive ${this.dir}`);
  }

  async blob(d: Descriptor): Promise<Readable> {
    const path = this.paths.get(d.digest);
    if (!path) throw notFound(`blob ${d.digest} is not in the archive`);
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  async close(): Promise<void> {}
}

/** An archive destination: an OCI layout in a temporary directory, packed into `file` on commit. */
export class ArchiveDestination implements ImageDestination {
  private readonly layout: LayoutDestination;
  private readonly file: string;
  private readonly format: ArchiveFormat;
  private readonly name: string | undefined;
  private top: RawManifest | undefined;

  private constructor(layout: LayoutDestination, file: string, format: ArchiveFormat, name?: string) {
    this.layout = layout;
    this.file = file;
    this.format = format;
    this.name = name;
  }

  static async open(file: string, format: ArchiveFormat, name?: string): Promise<ArchiveDestination> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-archive-'));
    // An oci-archive names its image by a tag-like ref; a docker-archive by a full name (its RepoTag).
    const ref = name === undefined ? undefined : format === 'oci-archive' ? name : `${repositoryOf(parseReference(name))}:${parseReference(name).tag ?? 'latest'}`;
    return new ArchiveDestination(new LayoutDestination(dir, ref), file, format, ref);
  }

  has(d: Descriptor): Promise<boolean> {
    return this.layout.has(d);
  }

  putBlob(d: Descriptor, body: Readable): Promise<void> {
    return this.layout.putBlob(d, body);
  }

  async putManifest(m: RawManifest, top: boolean): Promise<void> {
    await this.layout.putManifest(m, top);
    if (top) this.top = m;
  }

  async commit(): Promise<void> {
    await this.layout.commit();
    const dir = this.layout.dir;
    const extra: [string, Buffer][] = [];
    if (this.format === 'docker-archive') {
      const top = this.top as RawManifest;
      if (top.bytes.includes('"manifests"')) throw invalidArgument('a docker-archive holds single-platform images: copy one platform, not a whole index');
      const m = parseManifest(top.bytes, `manifest ${top.digest}`);
      const path = (d: Digest): string => `blobs/sha256/${hexOf(d)}`;
      extra.push(['manifest.json', Buffer.from(JSON.stringify([{ Config: path(m.config.digest), RepoTags: this.name ? [familiarName(this.name)] : [], Layers: m.layers.map((l) => path(l.digest)) }]))]);
    }
    const tmp = `${this.file}.partial-${process.pid}`;
    try {
      await pipeline(packDirectory(dir, extra), createWriteStream(tmp));
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async close(): Promise<void> {
    await rm(this.layout.dir, { recursive: true, force: true });
  }
}

/** A tar of a layout directory (blobs, index.json, oci-layout) plus extra files, in a stable order with zero times. */
function packDirectory(dir: string, extra: [string, Buffer][]): Readable {
  const pack = tarStream().pack();
  const epoch = new Date(0);
  const entry = (header: { name: string; type?: 'directory' }, body: Buffer = Buffer.alloc(0)): Promise<void> =>
    new Promise((resolve, reject) => pack.entry({ ...header, mtime: epoch, mode: header.type === 'directory' ? 0o755 : 0o644 }, body, (e) => (e ? reject(e) : resolve())));
  void (async () => {
    await entry({ name: 'blobs/', type: 'directory' });
    await entry({ name: 'blobs/sha256/', type: 'directory' });
    for (const hex of (await readdir(join(dir, 'blobs', 'sha256'))).sort()) {
      const path = join(dir, 'blobs', 'sha256', hex);
      const { size } = await stat(path);
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ name: `blobs/sha256/${hex}`, size, mtime: epoch, mode: 0o644 }, (e) => (e ? reject(e) : resolve()));
        createReadStream(path).on('error', reject).pipe(sink);
      });
    }
    for (const name of ['index.json', 'oci-layout']) await entry({ name }, await readFile(join(dir, name)));
    for (const [name, body] of extra) await entry({ name }, body);
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e as Error));
  return pack as unknown as Readable;
}
