// `load`: turns what readArchive() stored into image records. A docker-archive's manifest.json
// names each image's config and layer files; an oci-archive's index.json names manifests. Either
// way every layer's diff ID must match the config's rootfs.diff_ids before anything is
// recorded, so a lying archive stores nothing under a wrong name.
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { digestOf, type Digest } from '../content/index.ts';
import { invalidArgument, notFound } from '../errdefs/index.ts';
import type { LayerRecord } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
import { readArchive, lookupFile, checkBlob, type ArchiveContents, type ArchiveFile } from './archive-read.ts';
import {
  MediaType,
  parseConfig,
  parseIndex,
  parseManifest,
  detectManifestKind,
  hostPlatform,
  selectManifest,
  layerMediaTypeFor,
  type Descriptor,
  type Manifest,
} from '../image/index.ts';
import { normalizeArchiveName } from './names.ts';
import { fileChunks, streamChunks } from '../sys/index.ts';

export interface LoadedImage {
  id: Digest;
  names: string[];
}

/** An archive to load: a stream (stdin, a request body), or a file, which is read faster (fileChunks). */
export type ArchiveInput = Readable | { file: FileHandle };

export async function loadArchive(input: ArchiveInput, store: ImageStore): Promise<LoadedImage[]> {
  return store.writing(async () => {
    const contents = await readArchive('file' in input ? fileChunks(input.file) : streamChunks(input), store);
    const plans = contents.metadata.has('manifest.json') ? await dockerPlans(contents, store) : await ociPlans(contents, store);
    if (plans.length === 0) throw invalidArgument('invalid archive: it contains no image');
    const loaded: LoadedImage[] = [];
    for (const p of plans) loaded.push(await commitPlan(p, contents, store));
    return loaded;
  });
}

interface Plan {
  /** Where the image is described, for error messages. */
  what: string;
  config: ArchiveFile;
  layers: ArchiveFile[];
  layerPaths: string[];
  manifest?: { digest: Digest; mediaType: string };
  names: string[];
}

function parseJson(buf: Buffer, what: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid archive: ${what} is not valid JSON: ${(err as Error).message}`);
  }
}

async function dockerPlans(c: ArchiveContents, store: ImageStore): Promise<Plan[]> {
  const raw = parseJson(c.metadata.get('manifest.json') as Buffer, 'manifest.json');
  if (!Array.isArray(raw)) throw invalidArgument('invalid archive: manifest.json is not a list');
  // Newer `docker save` also writes an OCI index; reuse its manifests so digests survive the trip.
  const ociManifests = c.metadata.has('index.json') ? await manifestsByConfig(c, store) : new Map<Digest, { digest: Digest; mediaType: string }>();
  return raw.map((item: unknown, i: number): Plan => {
    const what = `manifest.json entry ${i}`;
    if (typeof item !== 'object' || item === null) throw invalidArgument(`invalid archive: ${what} is not an object`);
    const { Config, RepoTags, Layers } = item as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
    if (typeof Config !== 'string') throw invalidArgument(`invalid archive: ${what}: Config is missing`);
    if (!Array.isArray(Layers) || !Layers.every((l) => typeof l === 'string')) throw invalidArgument(`invalid archive: ${what}: Layers must be a list of paths`);
    const tags = RepoTags === null || RepoTags === undefined ? [] : RepoTags;
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw invalidArgument(`invalid archive: ${what}: RepoTags must be a list of names`);
    const config = lookupFile(c, Config);
    if (!config) throw invalidArgument(`invalid archive: ${what}: config ${Config} is not in the archive`);
    const layers = (Layers as string[]).map((p) => {
      const f = lookupFile(c, p);
      if (!f) throw invalidArgument(`invalid archive: ${what}: layer ${p} is not in the archive`);
      return f;
    });
    return { what, config, layers, layerPaths: Layers as string[], manifest: ociManifests.get(config.digest), names: (tags as string[]).map((t) => normalizeArchiveName(t, what)) };
  });
}

async function manifestsByConfig(c: ArchiveContents, store: ImageStore): Promise<Map<Digest, { digest: Digest; mediaType: string }>> {
  const byConfig = new Map<Digest, { digest: Digest; mediaType: string }>();
  for (const { desc } of await ociManifestDescriptors(c, store)) {
    const m = parseManifest(await store.content.readBytes(desc.digest), `manifest ${desc.digest}`);
    byConfig.set(m.config.digest, { digest: desc.digest, mediaType: m.mediaType ?? desc.mediaType });
  }
  return byConfig;
}

/** The image manifests an OCI index names (an index inside is resolved for the host platform). */
async function ociManifestDescriptors(c: ArchiveContents, store: ImageStore): Promise<{ desc: Descriptor; names: string[] }[]> {
  const buf = c.metadata.get('index.json');
  if (!buf) throw invalidArgument('invalid archive: neither manifest.json nor index.json is in the archive (is it a docker-archive or oci-archive?)');
  const index = parseIndex(buf, 'index.json');
  const out: { desc: Descriptor; names: string[] }[] = [];
  for (const top of index.manifests) {
    let desc = top;
    for (let depth = 0; depth < 4; depth++) {
      if (!c.files.has(`blobs/sha256/${desc.digest.slice(7)}`)) throw invalidArgument(`invalid archive: index.json names ${desc.digest}, which is not in the archive`);
      const bytes = await store.content.readBytes(desc.digest);
      if (detectManifestKind(bytes, desc.mediaType) !== 'index') break;
      const picked = selectManifest(parseIndex(bytes, `index ${desc.digest}`), hostPlatform());
      if (!picked) throw notFound(`image index ${desc.digest} has no manifest for the platform ${hostPlatform().os}/${hostPlatform().architecture}`);
      desc = picked;
    }
    out.push({ desc, names: namesFromAnnotations(top) });
  }
  return out;
}

function namesFromAnnotations(d: Descriptor): string[] {
  const a = d.annotations ?? {};
  const full = a['io.containerd.image.name'] ?? a['org.opencontainers.image.ref.name'];
  if (full === undefined) return [];
  try {
    return [normalizeArchiveName(full, 'index.json annotation')];
  } catch {
    return []; // a bare tag ("latest") names no repository: the image loads untagged
  }
}

async function ociPlans(c: ArchiveContents, store: ImageStore): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (const { desc, names } of await ociManifestDescriptors(c, store)) {
    const what = `manifest ${desc.digest}`;
    const m: Manifest = parseManifest(await store.content.readBytes(desc.digest), what);
    const file = (d: Descriptor, role: string): ArchiveFile => {
      const f = c.files.get(`blobs/sha256/${d.digest.slice(7)}`);
      if (!f) throw invalidArgument(`invalid archive: ${what}: ${role} ${d.digest} is not in the archive`);
      return f;
    };
    plans.push({
      what,
      config: file(m.config, 'config'),
      layers: m.layers.map((l, i) => file(l, `layer ${i}`)),
      layerPaths: m.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      manifest: { digest: desc.digest, mediaType: m.mediaType ?? desc.mediaType },
      names,
    });
  }
  return plans;
}

async function commitPlan(p: Plan, c: ArchiveContents, store: ImageStore): Promise<LoadedImage> {
  const configBytes = await store.content.readBytes(p.config.digest);
  const config = parseConfig(configBytes, `config of ${p.what}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== p.layers.length) {
    throw invalidArgument(`invalid archive: ${p.what} has ${p.layers.length} layers but its config lists ${diffIds.length} diff IDs`);
  }
  const layers: LayerRecord[] = [];
  for (const [i, f] of p.layers.entries()) {
    const want = diffIds[i] as Digest;
    const what = `layer ${i} (${p.layerPaths[i]}) of ${p.what}`;
    const rec = await layerOf(f, want, store, what);
    if (rec.diffId !== want) throw invalidArgument(`invalid archive: ${what}: its content has diff ID ${rec.diffId} but the config says ${want}`);
    layers.push(rec);
  }
  const manifest = p.manifest ?? (await synthesizeManifest(p, configBytes, store));
  const blobs = [manifest.digest, p.config.digest, ...p.layers.map((f) => f.digest)];
  await store.commit({ id: p.config.digest, manifest: manifest.digest, manifestMediaType: manifest.mediaType, names: p.names, digests: [], layers, blobs, created: config.created ?? '' });
  void c;
  return { id: p.config.digest, names: p.names };
}

/** The layer of an archive file: checked while streaming, already in the store, or checked now. */
async function layerOf(f: ArchiveFile, want: Digest, store: ImageStore, what: string): Promise<LayerRecord> {
  if (f.layer) return f.layer;
  return (await store.knownLayer(want, f.digest)) ?? checkBlob(store, f.digest, want, what);
}

/** A manifest for an image that came without one (docker-archive's legacy layout). */
async function synthesizeManifest(p: Plan, configBytes: Buffer, store: ImageStore): Promise<{ digest: Digest; mediaType: string }> {
  const layers = await Promise.all(
    p.layers.map(async (f) => {
      const head = await readHead(store, f.digest);
      return { mediaType: layerMediaTypeFor(head), digest: f.digest, size: f.size };
    }),
  );
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: p.config.digest, size: configBytes.length },
    layers,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  const info = await store.content.put(bytes, { digest: digestOf(bytes) });
  return { digest: info.digest, mediaType: MediaType.OciManifest };
}

async function readHead(store: ImageStore, d: Digest): Promise<Buffer> {
  const s = await store.content.read(d, { start: 0, end: 7 });
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
