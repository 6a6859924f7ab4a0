// One copy for every pair of image locations (containers/image's copy.Image): the source hands out
// manifests and blobs, the destination says what it has and takes the rest. Blob bytes are
// verified here, once, against the descriptor, on their way through. An index is copied whole
// (`all`) or narrowed to one platform's manifest.
import { Transform, type Readable } from 'node:stream';
import { DigestStream, type Digest } from '../content/index.ts';
import { invalidArgument, notFound } from '../errdefs/index.ts';
import { detectManifestKind, formatPlatform, hostPlatform, parseIndex, parseManifest, selectManifest, type Descriptor, type Platform } from '../image/index.ts';
import { mapLimit } from './limit.ts';

export interface RawManifest {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
}

export interface ImageSource {
  /** The manifest or index the location names. */
  top(): Promise<RawManifest>;
  /** A manifest an index lists. */
  manifest(d: Descriptor): Promise<RawManifest>;
  blob(d: Descriptor): Promise<Readable>;
  close(): Promise<void>;
}

export interface ImageDestination {
  /** True when the destination already has the blob (the copy skips it). */
  has(d: Descriptor): Promise<boolean>;
  putBlob(d: Descriptor, body: Readable): Promise<void>;
  /** Manifests arrive after their blobs; `top` is the one the destination's name points at. */
  putManifest(m: RawManifest, top: boolean): Promise<void>;
  /** Makes the copy visible (writes an archive, records an image). */
  commit(): Promise<void>;
  close(): Promise<void>;
}

/** A layer's progress, in the caller's words. */
export interface CopyProgress {
  id: string;
  status: 'exists' | 'start' | 'transfer' | 'done';
  current?: number;
  total?: number;
}

export interface CopyOptions {
  /** The platform to pick from an index (default: the host's); ignored with `all`. */
  platform?: Platform;
  /** Copy an index with every manifest it lists. */
  all?: boolean;
  concurrency?: number;
  onProgress?: (p: CopyProgress) => void;
  /** Called with what the name points at, before any blob moves. */
  onTop?: (top: RawManifest) => void;
}

export interface CopyResult {
  /** The digest of what the name points at in the source (an index's, for a multi-platform image). */
  digest: Digest;
  /** The image manifest copied (the platform's, when an index was narrowed). */
  manifest: RawManifest;
}

export async function copyImage(src: ImageSource, dst: ImageDestination, opts: CopyOptions = {}): Promise<CopyResult> {
  const top = await src.top();
  opts.onTop?.(top);
  if (detectManifestKind(top.bytes, top.mediaType) !== 'index') {
    await copyManifest(src, dst, top, true, opts);
    await dst.commit();
    return { digest: top.digest, manifest: top };
  }
  const index = parseIndex(top.bytes, `index ${top.digest}`);
  if (opts.all) {
    let first: RawManifest | undefined;
    for (const d of index.manifests) {
      const m = await src.manifest(d);
      if (detectManifestKind(m.bytes, m.mediaType) === 'index') throw invalidArgument(`index ${top.digest} lists another index (${d.digest}): nested indexes are not copied`);
      await copyManifest(src, dst, m, false, opts);
      first ??= m;
    }
    await dst.putManifest(top, true);
    await dst.commit();
    if (!first) throw invalidArgument(`index ${top.digest} lists no manifest`);
    return { digest: top.digest, manifest: first };
  }
  const want = opts.platform ?? hostPlatform();
  let current = top;
  for (let depth = 0; detectManifestKind(current.bytes, current.mediaType) === 'index'; depth++) {
    if (depth === 4) throw invalidArgument(`index ${top.digest} nests indexes too deeply`);
    const picked = selectManifest(parseIndex(current.bytes, `index ${current.digest}`), want);
    if (!picked) throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
    current = await src.manifest(picked);
  }
  await copyManifest(src, dst, current, true, opts);
  await dst.commit();
  return { digest: top.digest, manifest: current };
}

async function copyManifest(src: ImageSource, dst: ImageDestination, raw: RawManifest, top: boolean, opts: CopyOptions): Promise<void> {
  const m = parseManifest(raw.bytes, `manifest ${raw.digest}`);
  // The config first: a destination that unpacks layers learns their diff IDs from it.
  await copyBlob(src, dst, m.config);
  await mapLimit(m.layers, opts.concurrency ?? 3, (d) => copyBlob(src, dst, d, opts.onProgress));
  await dst.putManifest(raw, top);
}

async function copyBlob(src: ImageSource, dst: ImageDestination, d: Descriptor, onProgress?: (p: CopyProgress) => void): Promise<void> {
  const id = d.digest.slice(7, 19);
  if (await dst.has(d)) {
    onProgress?.({ id, status: 'exists' });
    return;
  }
  onProgress?.({ id, status: 'start' });
  const verified = new DigestStream({ digest: d.digest, size: d.size, what: `blob ${d.digest}` });
  const stages: Readable[] = [await src.blob(d), verified];
  if (onProgress) stages.push(counter(d.size, (current) => onProgress({ id, status: 'transfer', current, total: d.size })));
  await dst.putBlob(d, chain(stages));
  onProgress?.({ id, status: 'done' });
}

/** Pipes each stream into the next; an error anywhere ends the last one with it. */
function chain(streams: Readable[]): Readable {
  const last = streams[streams.length - 1] as Readable;
  for (let i = 1; i < streams.length; i++) {
    const from = streams[i - 1] as Readable;
    from.on('error', (e) => last.destroy(e));
    from.pipe(streams[i] as unknown as NodeJS.WritableStream);
  }
  return last;
}

/** Counts bytes on their way through; reports each MiB and the end. */
function counter(total: number, report: (n: number) => void): Transform {
  let n = 0;
  let reported = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n - reported >= 1 << 20 || n === total) {
        reported = n;
        report(n);
      }
      cb(null, chunk);
    },
  });
}
