// `registry gc` (mark and sweep) and `registry check` over the registry's storage. Mark: every
// manifest a repository links, and what it names. Sweep: blobs nobody marked, unless younger than
// the grace period (a blob just pushed, its manifest not yet), and uploads abandoned for longer than
// a day. Safe while the registry serves: nothing in flight is old.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../content/index.ts';
import type { RegistryStorage } from './storage.ts';

export interface GcResult {
  /** Blobs removed (or that would be, with dryRun). */
  blobs: { digest: Digest; size: number }[];
  uploads: string[];
}

const DAY_MS = 24 * 3600 * 1000;

export async function collectGarbage(storage: RegistryStorage, opts: { dryRun?: boolean; graceMs?: number } = {}): Promise<GcResult> {
  const marked = await mark(storage);
  const grace = opts.graceMs ?? 3600 * 1000;
  const now = Date.now();
  const result: GcResult = { blobs: [], uploads: [] };
  for (const d of (await storage.content.list()).blobs) {
    if (marked.has(d)) continue;
    const st = await stat(storage.content.path(d)).catch(() => undefined);
    if (!st || now - st.mtimeMs < grace) continue;
    result.blobs.push({ digest: d, size: st.size });
    if (!opts.dryRun) await storage.content.delete(d);
  }
  if (!opts.dryRun) {
    // Layer links to blobs that are gone go too, so HEAD answers 404 rather than a dangling yes.
    const gone = new Set(result.blobs.map((b) => b.digest));
    for (const repo of await storage.repositories()) {
      for (const d of await storage.layerDigests(repo)) if (gone.has(d)) await storage.unlinkBlob(repo, d);
    }
  }
  const uploads = join(storage.dir, 'uploads');
  for (const id of await readdir(uploads).catch(() => [] as string[])) {
    const st = await stat(join(uploads, id)).catch(() => undefined);
    if (!st || now - st.mtimeMs < DAY_MS) continue;
    result.uploads.push(id);
    if (!opts.dryRun) await rm(join(uploads, id), { recursive: true, force: true });
  }
  return result;
}

/** Every blob some linked manifest needs, the manifests themselves included. */
async function mark(storage: RegistryStorage): Promise<Set<Digest>> {
  const marked = new Set<Digest>();
  for (const repo of await storage.repositories()) {
    for (const m of await storage.manifestDigests(repo)) {
      marked.add(m);
      for (const d of await referencedBy(storage, m)) marked.add(d);
    }
  }
  return marked;
}

/** What a manifest names. A manifest that cannot be read stops a gc: sweeping without knowing would lose data. */
async function referencedBy(storage: RegistryStorage, m: Digest): Promise<Digest[]> {
  let doc;
  try {
    doc = JSON.parse((await storage.content.readBytes(m)).toString('utf8')) as { config?: { digest?: string }; layers?: { digest?: string }[]; manifests?: { digest?: string }[]; subject?: { digest?: string } };
  } catch (err) {
    throw new Error(`manifest ${m} cannot be read (${(err as Error).message}); run 'berth registry check'`, { cause: err });
  }
  const all = [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : []), ...(Array.isArray(doc.manifests) ? doc.manifests : [])];
  return all.map((d) => d?.digest).filter((d): d is Digest => typeof d === 'string' && d.startsWith('sha256:'));
}

/** What is wrong with the storage: corrupt blobs, links to missing content, tags to unlinked manifests. */
export async function checkStorage(storage: RegistryStorage): Promise<string[]> {
  const problems: string[] = [];
  const present = new Set((await storage.content.list()).blobs);
  const corrupt = new Set<Digest>();
  for (const d of present) {
    const actual = await storage.content.verify(d);
    if (actual !== d) {
      problems.push(`blob ${d} is corrupt: its content hashes to ${actual}`);
      corrupt.add(d);
    }
  }
  for (const repo of await storage.repositories()) {
    const manifests = new Set(await storage.manifestDigests(repo));
    for (const m of manifests) {
      if (!present.has(m)) {
        problems.push(`${repo}: manifest ${m} is linked but its content is missing`);
        continue;
      }
      if (corrupt.has(m)) continue; // said above; what it names cannot be trusted
      for (const d of await referencedBy(storage, m)) if (!present.has(d)) problems.push(`${repo}: manifest ${m} names ${d}, which is missing`);
    }
    for (const d of await storage.layerDigests(repo)) if (!present.has(d)) problems.push(`${repo}: blob ${d} is linked but missing`);
    for (const tag of await storage.tags(repo)) {
      const d = await storage.tag(repo, tag);
      if (!d || !manifests.has(d)) problems.push(`${repo}: tag ${tag} points at ${d ?? 'nothing'}, which the repository does not have`);
    }
  }
  return problems;
}
