// berth's own image store as a read-only registry: every named image is served under its
// repository path (docker.io/library/busybox:latest as library/busybox:latest), its manifest and
// blobs as stored, so an image built or pulled here can be pulled elsewhere without a push.
import type { Readable } from 'node:stream';
import type { Digest } from '../content/index.ts';
import type { ImageRecord } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
import type { ReferrerEntry, RegistryReader } from './storage.ts';

/** `domain/path:tag` → [path, tag]; names with a digest only are left out. */
function split(name: string): [string, string] | undefined {
  const slash = name.indexOf('/');
  const colon = name.lastIndexOf(':');
  if (slash === -1 || colon < slash) return undefined;
  return [name.slice(slash + 1, colon), name.slice(colon + 1)];
}

export class StoreView implements RegistryReader {
  private readonly store: ImageStore;

  constructor(store: ImageStore) {
    this.store = store;
  }

  /** The images whose names are in `repo`, with their tags. */
  private async images(repo?: string): Promise<{ image: ImageRecord; repo: string; tag: string }[]> {
    const out: { image: ImageRecord; repo: string; tag: string }[] = [];
    for (const image of await this.store.list()) {
      for (const name of image.names) {
        const parts = split(name);
        if (parts && (repo === undefined || parts[0] === repo)) out.push({ image, repo: parts[0], tag: parts[1] });
      }
    }
    return out;
  }

  async repositories(): Promise<string[]> {
    return [...new Set((await this.images()).map((i) => i.repo))].sort();
  }

  async repoExists(repo: string): Promise<boolean> {
    return (await this.images(repo)).length > 0;
  }

  async tags(repo: string): Promise<string[]> {
    return (await this.images(repo)).map((i) => i.tag).sort();
  }

  async tag(repo: string, tag: string): Promise<Digest | undefined> {
    return (await this.images(repo)).find((i) => i.tag === tag)?.image.manifest;
  }

  async manifest(repo: string, d: Digest): Promise<{ bytes: Buffer; mediaType: string } | undefined> {
    const found = (await this.images(repo)).find((i) => i.image.manifest === d);
    return found ? { bytes: await this.store.content.readBytes(d), mediaType: found.image.manifestMediaType } : undefined;
  }

  async blobSize(repo: string, d: Digest): Promise<number | undefined> {
    const has = (await this.images(repo)).some((i) => i.image.blobs.includes(d));
    return has ? (await this.store.content.info(d))?.size : undefined;
  }

  readBlob(d: Digest, range?: { start: number; end: number }): Promise<Readable> {
    return this.store.content.read(d, range);
  }

  async referrers(): Promise<ReferrerEntry[]> {
    return [];
  }
}
