// Reading large inputs in chunks, for passes that hash, parse and write every byte (load). A file is
// read into a few reused buffers, several reads ahead of the consumer: a fresh 1 MiB buffer per
// read costs page faults and garbage collection (150 MB read that way took ~90 ms where reused
// buffers took ~10), and one read at a time leaves the consumer waiting on each.
import type { FileHandle } from 'node:fs/promises';

export interface Chunk {
  /** The bytes: valid until the consumer asks for the next chunk, unless held. */
  data: Buffer;
  /** Keeps the bytes valid past the next chunk (for a write still in flight); call the result when done with them. */
  hold(): () => void;
}

const CHUNK = 1 << 20;
/** Reads in flight ahead of the chunk being consumed. */
const AHEAD = 3;
/** Free buffers kept for reuse; more are made when every one is held, so a holder never waits on a reader. */
const POOL = 16;

/**
 * The chunks of a file from its start: a regular file's read into reused buffers, several reads
 * ahead; anything else (a pipe, a FIFO, /dev/stdin) cannot be read at offsets, and is streamed.
 */
export async function* fileChunks(fh: FileHandle): AsyncGenerator<Chunk> {
  if (!(await fh.stat()).isFile()) {
    yield* streamChunks(fh.createReadStream({ autoClose: false, highWaterMark: CHUNK }));
    return;
  }
  const free: Buffer[] = [];
  const take = (): Buffer => free.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
  const give = (b: Buffer): void => {
    if (free.length < POOL) free.push(b);
  };
  type Read = Promise<{ buf: Buffer; at: number; n: number }>;
  const reads: Read[] = [];
  let next = 0;
  let eof = false;
  const readAhead = (): void => {
    while (!eof && reads.length < AHEAD) {
      const buf = take();
      const at = next;
      next += CHUNK;
      const read: Read = fh.read(buf, 0, CHUNK, at).then((r) => ({ buf, at, n: r.bytesRead }));
      read.catch(noop); // a read ahead may fail before its turn: it is awaited (and throws) then
      reads.push(read);
    }
  };
  /** Drops the reads ahead (after a short read, they were issued at the wrong offsets). */
  const dropReads = async (): Promise<void> => {
    for (const r of reads.splice(0)) await r.then(({ buf }) => give(buf), noop);
  };
  try {
    for (;;) {
      readAhead();
      const first = reads.shift();
      if (!first) return;
      const { buf, at, n } = await first;
      if (n === 0) {
        eof = true; // the reads after this one are past the end too
        give(buf);
        continue;
      }
      let refs = 1;
      const release = (): void => {
        if (--refs === 0) give(buf);
      };
      yield {
        data: buf.subarray(0, n),
        hold: () => {
          refs++;
          let held = true;
          return () => {
            if (held) release();
            held = false;
          };
        },
      };
      release();
      if (n < CHUNK) {
        // The end of the file, or a filesystem that returns less (FUSE, NFS, a file being written):
        // read on from where this read stopped, until a read returns nothing.
        await dropReads();
        next = at + n;
      }
    }
  } finally {
    // No read left running into a buffer, or on the handle its owner is about to close.
    await Promise.allSettled(reads);
  }
}

/** The chunks of a stream, as Chunk (a stream gives a new buffer each time: holding costs nothing). */
export async function* streamChunks(input: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<Chunk> {
  const hold = (): (() => void) => noop;
  for await (const c of input) yield { data: Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength), hold };
}

function noop(): void {}
