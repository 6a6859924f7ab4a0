// A small JSON document on disk, replaced atomically under an exclusive flock for every change
// (containers/storage's idea). Readers need no lock: a rename swaps whole versions.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from './atomic.ts';
import { withLock } from './lock.ts';

export class JsonDocument<T> {
  readonly dir: string;
  readonly file: string;
  private readonly lockFile: string;
  private readonly empty: () => T;
  private readonly parse: (raw: Buffer, path: string) => T;

  constructor(root: string, name: string, empty: () => T, parse: (raw: Buffer, path: string) => T) {
    this.dir = join(root, 'meta');
    this.file = join(this.dir, `${name}.json`);
    this.lockFile = join(this.dir, `${name}.lock`);
    this.empty = empty;
    this.parse = parse;
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async read(): Promise<T> {
    const raw = await readFileIfExists(this.file);
    return keyedMaps(raw === undefined ? this.empty() : this.parse(raw, this.file));
  }

  /** Read-modify-write under the exclusive lock. `change` mutates the document it is given. */
  async update<R>(change: (doc: T) => R | Promise<R>): Promise<R> {
    return withLock(this.lockFile, 'exclusive', async () => {
      const doc = await this.read();
      const result = await change(doc);
      await writeFileAtomic(this.file, JSON.stringify(doc));
      return result;
    });
  }
}

/**
 * A document's top-level objects are maps keyed by what users type (names, IDs): without a
 * prototype, so that "constructor" or "__proto__" finds nothing instead of Object's own members.
 */
function keyedMaps<T>(doc: T): T {
  const d = doc as Record<string, unknown>;
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) d[k] = Object.assign(Object.create(null) as object, v);
  }
  return doc;
}
