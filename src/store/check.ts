// `system check`: verifies every blob's digest and every reference between records, blobs and
// layers; with repair, removes what is corrupt or unreferenced (and images left broken by that),
// and says what it removed.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../content/index.ts';
import { withLock } from '../meta/index.ts';
import { unmountUnder } from '../sys/index.ts';
import type { ImageStore } from './store.ts';
import { liveSets } from './store.ts';

export interface Finding {
  /** What is wrong, in words: "blob sha256:… is corrupt (its content hashes to sha256:…)". */
  problem: string;
  /** What repair did about it, when repair ran. */
  repaired?: string;
}

export async function checkStore(store: ImageStore, opts: { repair: boolean }): Promise<Finding[]> {
  // Exclusive "gc" lock: no writer is half way through while we judge what is referenced.
  return withLock(join(store.root, 'meta', 'gc.lock'), 'exclusive', async () => {
    const findings: Finding[] = [];
    const { blobs, strays: strayBlobs } = await store.content.list();
    const present = new Set(blobs);
    const corrupt = new Set<Digest>();
    for (const d of blobs) {
      const actual = await store.content.verify(d);
      if (actual !== d) {
        corrupt.add(d);
        findings.push({ problem: `blob ${d} is corrupt (its content hashes to ${actual})` });
      }
    }
    const layerDirs = new Set((await store.layers.list()).layers);

    await store.meta.update(async (doc) => {
      // Images that need a blob or layer that is missing or corrupt are broken beyond use. A layer
      // is there when unpacked, or recorded (checked, to be unpacked from its blob on first use).
      for (const rec of Object.values(doc.images)) {
        const missing = [
          ...rec.blobs.filter((b) => !present.has(b) || corrupt.has(b)).map((b) => `blob ${b}`),
          ...rec.layers.filter((l) => !layerDirs.has(l) && !doc.layers[l]).map((l) => `layer ${l}`),
        ];
        if (missing.length === 0) continue;
        const f: Finding = { problem: `image ${rec.id} (${rec.names.join(', ') || '<none>'}) needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing or corrupt` };
        if (opts.repair) {
          delete doc.images[rec.id];
          f.repaired = `removed image record ${rec.id}`;
        }
        findings.push(f);
      }
      const live = liveSets(doc);
      for (const d of Object.keys(doc.layers) as Digest[]) {
        if (live.layers.has(d)) continue;
        const f: Finding = { problem: `layer record ${d} is unreferenced` };
        if (opts.repair) {
          delete doc.layers[d];
          f.repaired = `removed layer record ${d}`;
        }
        findings.push(f);
      }
      for (const d of layerDirs) {
        if (live.layers.has(d)) continue;
        const f: Finding = { problem: `layer ${d} is not used by any image` };
        if (opts.repair) {
          await store.layers.remove(d);
          f.repaired = `removed layer ${d}`;
        }
        findings.push(f);
      }
      for (const d of blobs) {
        if (live.blobs.has(d) && !corrupt.has(d)) continue;
        const f: Finding = { problem: corrupt.has(d) ? `blob ${d} is corrupt` : `blob ${d} is not used by any image` };
        if (opts.repair) {
          await store.content.delete(d);
          f.repaired = `removed blob ${d}`;
        }
        findings.push(f);
      }
      // Duplicate names (two images claiming one tag) cannot come from berth itself; keep the newest.
      const owner = new Map<string, string>();
      for (const rec of Object.values(doc.images).sort((a, b) => b.added.localeCompare(a.added))) {
        for (const n of [...rec.names]) {
          const first = owner.get(n);
          if (first === undefined) owner.set(n, rec.id);
          else {
            const f: Finding = { problem: `name ${n} is claimed by images ${first} and ${rec.id}` };
            if (opts.repair) {
              rec.names = rec.names.filter((x) => x !== n);
              f.repaired = `removed name ${n} from image ${rec.id}`;
            }
            findings.push(f);
          }
        }
      }
    });
    for (const p of [...strayBlobs, ...(await store.layers.list()).strays, ...(await deadTemporaries(store))]) {
      const f: Finding = { problem: `stray file ${p}` };
      if (opts.repair) {
        unmountUnder(p); // a process killed with a mount in its scratch space (the overlay probe)
        await rm(p, { recursive: true, force: true });
        f.repaired = `removed ${p}`;
      }
      findings.push(f);
    }
    return findings;
  });
}

/** Temporary files in tmp/ whose writing process is gone (names carry the writer's pid). */
async function deadTemporaries(store: ImageStore): Promise<string[]> {
  const dir = join(store.root, 'tmp');
  const names = await readdir(dir).catch(() => [] as string[]);
  const dead: string[] = [];
  for (const n of names) {
    // NAME-PID-…: ingest-123-…, overlay-probe-123-…, build-context-123-…
    const pid = Number(/^[a-z][a-z-]*?-(\d+)-/.exec(n)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) dead.push(join(dir, n));
    else if (!Number.isInteger(pid)) {
      const st = await stat(join(dir, n)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 24 * 3600 * 1000) dead.push(join(dir, n));
    }
  }
  return dead;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

