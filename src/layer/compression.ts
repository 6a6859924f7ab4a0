// Layer compression: detection by magic bytes, and gzip/zstd streams from Node's own zlib.
import { Readable } from 'node:stream';
import { nodeZlib } from '../sys/index.ts';

export type Compression = 'none' | 'gzip' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * The uncompressed bytes of a stream that may be plain, gzip or zstd (detected from its first
 * bytes). A plain stream's chunks pass straight through, with no stream in between.
 */
export async function* decompress(input: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head = Buffer.concat([head, r.value]);
  }
  // From here on the input is closed by rest(), whichever way the reading ends.
  // Closing the input's iterator when we stop early destroys a stream input, so that whoever
  // writes into it sees the end instead of waiting for a reader that is gone.
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      }
    } finally {
      if (!done) await it.return?.();
    }
  }
  const kind = detectCompression(head);
  if (kind === 'none') {
    yield* rest();
    return;
  }
  const zlib = nodeZlib();
  const stage = kind === 'gzip' ? zlib.createGunzip({ chunkSize: 1 << 17 }) : zlib.createZstdDecompress();
  const source = Readable.from(rest(), { objectMode: false });
  source.on('error', (e) => stage.destroy(e));
  source.pipe(stage);
  try {
    for await (const c of stage) yield c as Buffer;
  } catch (err) {
    throw new Error(`${kind} stream is corrupt or truncated: ${(err as Error).message}`, { cause: err });
  } finally {
    source.destroy();
    stage.destroy();
  }
}

export function compress(input: Readable, kind: 'gzip' | 'zstd'): Readable {
  const zlib = nodeZlib();
  const stage = kind === 'gzip' ? zlib.createGzip({ level: 6 }) : zlib.createZstdCompress();
  input.on('error', (e) => stage.destroy(e));
  return input.pipe(stage);
}
