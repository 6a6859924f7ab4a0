// Pull: a registry image into the store, as a copy from the registry to the store (the host's
// platform, or the one asked for, when the name points at an index), with Docker's progress words.
// Nothing is recorded until every digest and diff ID matched; layers already stored are skipped.
import type { Digest } from '../../content/index.ts';
import type { Platform, Reference } from '../../image/index.ts';
import type { ImageStore } from '../../store/index.ts';
import { copyImage, type CopyProgress } from '../copy.ts';
import { StoreDestination } from '../store-location.ts';
import { RegistrySource } from './location.ts';
import { withPullClient, type MirrorOptions } from './mirrors.ts';

export interface ProgressEvent {
  /** The layer's short digest, or a tag/digest for a line about the whole image. */
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export interface PullOptions extends MirrorOptions {
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

const WORDS: Record<CopyProgress['status'], string> = { exists: 'Already exists', start: 'Pulling fs layer', transfer: 'Downloading', done: 'Pull complete' };

export async function pullImage(store: ImageStore, ref: Reference, opts: PullOptions = {}): Promise<PullResult> {
  const progress = opts.onProgress ?? ((): void => undefined);
  const repository = `${ref.domain}/${ref.path}`;
  const name = ref.tag !== undefined || ref.digest === undefined ? `${repository}:${ref.tag ?? 'latest'}` : undefined;
  // Stored under the name asked for (docker.io/library/busybox:latest) wherever it came from.
  return withPullClient(ref.domain, opts, (client) => {
    const src = RegistrySource.over(client, ref);
    return store.writing(async () => {
      const before = name ? (await store.list()).find((i) => i.names.includes(name))?.id : undefined;
      const dst = new StoreDestination(store, { name });
      const result = await copyImage(src, dst, {
        platform: opts.platform,
        concurrency: opts.concurrency,
        onTop: () => progress({ id: ref.digest ?? ref.tag ?? 'latest', status: `Pulling from ${ref.path}` }),
        onProgress: (p) => progress({ id: p.id, status: WORDS[p.status], current: p.current, total: p.total }),
      });
      const id = dst.image?.id as Digest;
      await store.addDigest(id, `${repository}@${result.digest}`);
      return { id, digest: result.digest, upToDate: before === id };
    });
  });
}
