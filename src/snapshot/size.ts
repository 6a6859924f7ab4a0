// Bytes under a directory (regular files' sizes, symlinks' own), for Docker's container sizes.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errdefs/index.ts';

export async function directorySize(path: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 0;
    throw err;
  }
  let total = 0;
  for (const e of entries) {
    const p = join(path, e.name);
    total += e.isDirectory() ? await directorySize(p) : (await lstat(p)).size;
  }
  return total;
}
