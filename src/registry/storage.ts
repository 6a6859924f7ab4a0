// The registry's storage on disk: blobs once, by digest, in a content store shared by every
// repository; per repository, links that say which blobs and manifests it has, its tags and the
// referrers of its manifests; uploads in progress as files that survive a restart.
//
//   blobs/sha256/<hex>                                   content (verified, renamed into place)
//   repositories/<name>/_layers/<hex>                    the repository has this blob
//   repositories/<name>/_manifests/<hex>                 ...this manifest (the file holds its media type)
//   repositories/<name>/_tags/<tag>                      the tag points at this digest
//   repositories/<name>/_referrers/<subject hex>/<hex>   a manifest whose subject is <subject> (its descriptor)
//   uploads/<uuid>/data, uploads/<uuid>/repo             an upload in progress
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ContentStore, hexOf, type Digest } from '../content/index.ts';
import { errnoCode } from '../errdefs/index.ts';
import { writeFileAtomic } from '../meta/index.ts';

export interface Upload {
  id: string;
  repo: string;
  size: number;
}

export interface ReferrerEntry {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** What serving pulls needs: RegistryStorage has it, and so does a read-only view of berth's store. */
export interface RegistryReader {
  repositories(): Promise<string[]>;
  repoExists(repo: string): Promise<boolean>;
  tags(repo: string): Promise<string[]>;
  tag(repo: string, tag: string): Promise<Digest | undefined>;
  manifest(repo: string, d: Digest): Promise<{ bytes: Buffer; mediaType: string } | undefined>;
  blobSize(repo: string, d: Digest): Promise<number | undefined>;
  readBlob(d: Digest, range?: { start: number; end: number }): Promise<Readable>;
  referrers(repo: string, subject: Digest): Promise<ReferrerEntry[]>;
}

export class RegistryStorage implements RegistryReader {
  readonly dir: string;
  readonly content: ContentStore;

  constructor(dir: string) {
    this.dir = dir;
    this.content = new ContentStore(dir);
  }

  async init(): Promise<void> {
    await this.content.init();
    await mkdir(join(this.dir, 'repositories'), { recursive: true });
    await mkdir(join(this.dir, 'uploads'), { recursive: true });
  }

  private repoDir(repo: string): string {
    return join(this.dir, 'repositories', repo);
  }

  private link(repo: string, kind: '_layers' | '_manifests', d: Digest): string {
    return join(this.repoDir(repo), kind, hexOf(d));
  }

  async repoExists(repo: string): Promise<boolean> {
    return stat(join(this.repoDir(repo), '_layers')).then(
      () => true,
      () => stat(join(this.repoDir(repo), '_manifests')).then(() => true, () => false),
    );
  }

  // --- blobs -----------------------------------------------------------------------------------

  /** The blob's size when the repository has it. */
  async blobSize(repo: string, d: Digest): Promise<number | undefined> {
    if (!(await exists(this.link(repo, '_layers', d))) && !(await exists(this.link(repo, '_manifests', d)))) return undefined;
    return (await this.content.info(d))?.size;
  }

  readBlob(d: Digest, range?: { start: number; end: number }): Promise<Readable> {
    return this.content.read(d, range);
  }

  async linkBlob(repo: string, d: Digest): Promise<void> {
    const path = this.link(repo, '_layers', d);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '');
  }

  async unlinkBlob(repo: string, d: Digest): Promise<boolean> {
    const path = this.link(repo, '_layers', d);
    if (!(await exists(path))) return false;
    await rm(path, { force: true });
    return true;
  }

  /** Stores a blob from a stream, verified against its digest, and links it into the repository. */
  async putBlob(repo: string, d: Digest, body: Readable): Promise<void> {
    await this.content.putStream(body, { digest: d, what: `blob ${d}` });
    await this.linkBlob(repo, d);
  }

  // --- uploads ---------------------------------------------------------------------------------

  async startUpload(repo: string): Promise<Upload> {
    const id = randomUUID();
    const dir = join(this.dir, 'uploads', id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'repo'), repo);
    await writeFile(join(dir, 'data'), '');
    return { id, repo, size: 0 };
  }

  async upload(repo: string, id: string): Promise<Upload | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const dir = join(this.dir, 'uploads', id);
    try {
      if ((await readFile(join(dir, 'repo'), 'utf8')) !== repo) return undefined;
      return { id, repo, size: (await stat(join(dir, 'data'))).size };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Appends a chunk; returns the new size. */
  async appendUpload(u: Upload, body: Readable): Promise<number> {
    const path = join(this.dir, 'uploads', u.id, 'data');
    await pipeline(body, createWriteStream(path, { flags: 'a' }));
    // The upload's mtime says it is alive (a sweep of abandoned uploads spares it).
    const now = new Date();
    await utimes(join(this.dir, 'uploads', u.id), now, now).catch(() => undefined);
    return (await stat(path)).size;
  }

  /** Finishes an upload: its bytes (plus a last chunk) become the blob `d`, verified. */
  async finishUpload(u: Upload, d: Digest, last?: Readable): Promise<void> {
    if (last) await this.appendUpload(u, last);
    const path = join(this.dir, 'uploads', u.id, 'data');
    await this.putBlob(u.repo, d, createReadStream(path, { highWaterMark: 1 << 20 }));
    await this.cancelUpload(u);
  }

  async cancelUpload(u: Upload): Promise<void> {
    await rm(join(this.dir, 'uploads', u.id), { recursive: true, force: true });
  }

  // --- manifests and tags ----------------------------------------------------------------------

  async putManifest(repo: string, d: Digest, bytes: Buffer, mediaType: string): Promise<void> {
    await this.content.put(bytes, { digest: d, what: `manifest ${d}` });
    const path = this.link(repo, '_manifests', d);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, mediaType);
  }

  /** The manifest's bytes and media type when the repository has it. */
  async manifest(repo: string, d: Digest): Promise<{ bytes: Buffer; mediaType: string } | undefined> {
    let mediaType: string;
    try {
      mediaType = await readFile(this.link(repo, '_manifests', d), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    return { bytes: await this.content.readBytes(d), mediaType };
  }

  async deleteManifest(repo: string, d: Digest): Promise<boolean> {
    const path = this.link(repo, '_manifests', d);
    if (!(await exists(path))) return false;
    await rm(path, { force: true });
    for (const tag of await this.tags(repo)) if ((await this.tag(repo, tag)) === d) await rm(join(this.repoDir(repo), '_tags', tag), { force: true });
    // Its own referrer entry goes with it, wherever it is filed.
    for (const subject of await list(join(this.repoDir(repo), '_referrers'))) await rm(join(this.repoDir(repo), '_referrers', subject, hexOf(d)), { force: true });
    return true;
  }

  async setTag(repo: string, tag: string, d: Digest): Promise<void> {
    const path = join(this.repoDir(repo), '_tags', tag);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, d);
  }

  async tag(repo: string, tag: string): Promise<Digest | undefined> {
    try {
      return (await readFile(join(this.repoDir(repo), '_tags', tag), 'utf8')) as Digest;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async deleteTag(repo: string, tag: string): Promise<boolean> {
    const path = join(this.repoDir(repo), '_tags', tag);
    if (!(await exists(path))) return false;
    await rm(path, { force: true });
    return true;
  }

  /** The repository's tags, sorted (as the spec's lexical order). */
  async tags(repo: string): Promise<string[]> {
    return (await list(join(this.repoDir(repo), '_tags'))).sort();
  }

  // --- referrers -------------------------------------------------------------------------------

  async addReferrer(repo: string, subject: Digest, entry: ReferrerEntry): Promise<void> {
    const path = join(this.repoDir(repo), '_referrers', hexOf(subject), hexOf(entry.digest));
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(entry));
  }

  async referrers(repo: string, subject: Digest): Promise<ReferrerEntry[]> {
    const dir = join(this.repoDir(repo), '_referrers', hexOf(subject));
    const out: ReferrerEntry[] = [];
    for (const name of (await list(dir)).sort()) {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as ReferrerEntry);
    }
    return out;
  }

  // --- catalog ---------------------------------------------------------------------------------

  /** Every repository name, sorted. */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      const names = await list(join(this.dir, 'repositories', rel));
      if (names.some((n) => n.startsWith('_'))) out.push(rel);
      for (const n of names) if (!n.startsWith('_')) await walk(rel ? `${rel}/${n}` : n);
    };
    await walk('');
    return out.sort();
  }

  /** Manifests linked in a repository (for gc and check). */
  async manifestDigests(repo: string): Promise<Digest[]> {
    return (await list(join(this.repoDir(repo), '_manifests'))).map((hex) => `sha256:${hex}` as Digest);
  }

  async layerDigests(repo: string): Promise<Digest[]> {
    return (await list(join(this.repoDir(repo), '_layers'))).map((hex) => `sha256:${hex}` as Digest);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}
