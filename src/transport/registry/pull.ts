// Pull: a registry image into the store. The manifest (the platform's, when the name points at an
// index), the config, then the layers three at a time, each downloaded, hashed, stored and unpacked
// in one pass; a broken download resumes with Range from where it stopped. Layers the store has
// are skipped. Nothing is recorded until every digest and diff ID matched.
import type { Digest } from '../../content/index.ts';
import { invalidArgument, notFound, unavailable } from '../../errdefs/index.ts';
import {
  detectManifestKind,
  formatPlatform,
  hostPlatform,
  parseConfig,
  parseIndex,
  parseManifest,
  selectManifest,
  type Descriptor,
  type Platform,
  type Reference,
} from '../../image/index.ts';
import type { LayerRecord } from '../../meta/index.ts';
import { storeBlob, type ImageStore } from '../../store/index.ts';
import { RegistryClient, type ClientOptions, type RawManifest } from './client.ts';
import { retryableError } from './errors.ts';
import { mapLimit } from './limit.ts';

export interface ProgressEvent {
  /** The layer's short digest, or undefined for a message about the whole image. */
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export interface PullOptions extends ClientOptions {
  platform?: Platform;
  onProgress?: (e: ProgressEvent) => void;
  /** Parallel layer downloads (Docker's default is 3). */
  concurrency?: number;
}

export interface PullResult {
  id: Digest;
  /** The digest the name resolved to (an index's, for a multi-platform image). */
  digest: Digest;
  /** True when the store already had the image under this name. */
  upToDate: boolean;
}

export async function pullImage(store: ImageStore, ref: Reference, opts: PullOptions = {}): Promise<PullResult> {
  const client = await RegistryClient.connect(ref.domain, opts);
  try {
    return await store.writing(() => pullWith(client, store, ref, opts));
  } finally {
    client.close();
  }
}

async function pullWith(client: RegistryClient, store: ImageStore, ref: Reference, opts: PullOptions): Promise<PullResult> {
  const progress = opts.onProgress ?? ((): void => undefined);
  const repo = ref.path;
  const top = await client.manifest(repo, ref.digest ?? ref.tag ?? 'latest');
  progress({ id: ref.digest ?? ref.tag ?? 'latest', status: `Pulling from ${repo}` });
  const manifest = await platformManifest(client, repo, top, opts.platform ?? hostPlatform());
  const m = parseManifest(manifest.bytes, `manifest ${manifest.digest} of ${ref.domain}/${repo}`);
  const configBytes = await fetchSmallBlob(client, store, repo, m.config);
  const config = parseConfig(configBytes, `image config ${m.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== m.layers.length) throw invalidArgument(`manifest ${manifest.digest} lists ${m.layers.length} layers but its config lists ${diffIds.length} diff IDs`);
  const name = ref.tag !== undefined || ref.digest === undefined ? `${ref.domain}/${repo}:${ref.tag ?? 'latest'}` : undefined;
  const doc = await store.document();
  const before = name ? Object.values(doc.images).find((i) => i.names.includes(name))?.id : undefined;

  const layers = await mapLimit(m.layers, opts.concurrency ?? 3, (desc, i) => layerFor(client, store, repo, desc, diffIds[i] as Digest, progress));
  await store.content.put(manifest.bytes, { digest: manifest.digest });
  await store.commit({
    id: m.config.digest,
    manifest: manifest.digest,
    manifestMediaType: manifest.mediaType,
    names: name ? [name] : [],
    digests: [`${ref.domain}/${repo}@${top.digest}`],
    layers,
    blobs: [manifest.digest, m.config.digest, ...m.layers.map((l) => l.digest)],
    created: config.created ?? '',
  });
  return { id: m.config.digest, digest: top.digest, upToDate: before === m.config.digest };
}

/** The image manifest for a platform: the manifest itself, or the one an index lists for it. */
async function platformManifest(client: RegistryClient, repo: string, top: RawManifest, want: Platform): Promise<RawManifest> {
  let current = top;
  for (let depth = 0; detectManifestKind(current.bytes, current.mediaType) === 'index'; depth++) {
    if (depth === 4) throw invalidArgument(`index ${top.digest} nests indexes too deeply`);
    const index = parseIndex(current.bytes, `index ${current.digest}`);
    const picked = selectManifest(index, want);
    if (!picked) throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
    current = await client.manifest(repo, picked.digest);
  }
  return current;
}

/** A config (small): from the store when it is there, else downloaded whole and verified. */
async function fetchSmallBlob(client: RegistryClient, store: ImageStore, repo: string, desc: Descriptor): Promise<Buffer> {
  if (await store.content.has(desc.digest)) return store.content.readBytes(desc.digest);
  if (desc.size > 64 << 20) throw invalidArgument(`config ${desc.digest} claims ${desc.size} bytes: too large for an image config`);
  const chunks: Buffer[] = [];
  for await (const c of resumableBlob(client, repo, desc, () => undefined)) chunks.push(c);
  const bytes = Buffer.concat(chunks);
  await store.content.put(bytes, { digest: desc.digest, size: desc.size, what: `config ${desc.digest}` });
  return bytes;
}

async function layerFor(client: RegistryClient, store: ImageStore, repo: string, desc: Descriptor, diffId: Digest, progress: (e: ProgressEvent) => void): Promise<LayerRecord> {
  const id = desc.digest.slice(7, 19);
  const known = (await store.document()).layers[diffId];
  if (known && (await store.layers.has(diffId)) && (await store.content.has(desc.digest))) {
    progress({ id, status: 'Already exists' });
    return known;
  }
  progress({ id, status: 'Pulling fs layer' });
  let reported = 0;
  const body = resumableBlob(client, repo, desc, (current) => {
    // A line per MiB is enough for any renderer; the last one always goes out.
    if (current - reported >= 1 << 20 || current === desc.size) {
      reported = current;
      progress({ id, status: 'Downloading', current, total: desc.size });
    }
  });
  const what = `layer ${desc.digest} of ${client.domain}/${repo}`;
  const stored = await storeBlob(store, body, { expected: { digest: desc.digest, size: desc.size, what }, unpack: () => true, expectedDiffId: diffId, what });
  const rec = await (stored.layer as Promise<LayerRecord>);
  if (rec.diffId !== diffId) throw invalidArgument(`${what}: its content has diff ID ${rec.diffId} but the image config says ${diffId}`);
  progress({ id, status: 'Pull complete' });
  return rec;
}

/**
 * A blob's bytes, resumed where they stopped when the connection breaks: a `Range` request when
 * the server allows it, else the same bytes skipped from a fresh download.
 */
async function* resumableBlob(client: RegistryClient, repo: string, desc: Descriptor, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
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
        onBytes(offset);
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
