// Atomic file writes: temporary file in the same directory, fsync, rename. Readers see the old or
// the new content, never a mix, and a crash leaves at most a stray temp file.
import { open, rename, unlink, readFile, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';
import { errnoCode } from '../errdefs/index.ts';

export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await writeFileThroughTemp(path, (fh) => fh.writeFile(data), { mode, sync: true });
}

/**
 * Writes a file with `write` into a temporary file beside it, then renames it into place, so a
 * failure never leaves a partial file under the name; `sync` fsyncs it first (for what must
 * survive a crash, not for a user's output file).
 */
export async function writeFileThroughTemp(path: string, write: (fh: FileHandle) => Promise<void>, opts: { mode?: number; sync?: boolean } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o666);
  try {
    try {
      await write(fh);
      if (opts.sync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw namingFile(err, path);
  }
}

/** A failed write on a handle names no file ("ENOSPC: no space left on device, write"): name the one being written. */
function namingFile(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || !e.syscall || e.path !== undefined) return err;
  e.path = path;
  e.message = `${e.message} '${path}'`;
  return e;
}

/** Writes a stream into a file through a temporary file beside it (see writeFileThroughTemp). */
export function writeStreamThroughTemp(path: string, stream: AsyncIterable<Buffer>): Promise<void> {
  // Chunk by chunk rather than through fh.createWriteStream, which would keep the handle from closing.
  return writeFileThroughTemp(path, async (fh) => {
    for await (const chunk of stream) await writeFully(fh, chunk);
  });
}

/** Writes all of `data` at the file's position (a write may take less than it is given). */
export async function writeFully(fh: FileHandle, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length; ) off += (await fh.write(data, off, data.length - off)).bytesWritten;
}

/** Reads a file, or returns undefined when it does not exist. */
export async function readFileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}
