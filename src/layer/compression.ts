// Layer compression: detection by magic bytes, and gzip/zstd streams from Node's own zlib.
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** The uncompressed bytes of a stream that may be plain, gzip or zstd (detected from its first bytes). */
export function decompress(input: Readable): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  void (async () => {
    const it = input[Symbol.asyncIterator]();
    let head = Buffer.alloc(0);
    let done = false;
    try {
      while (head.length < 4) {
        const r = (await it.next()) as IteratorResult<Buffer>;
        if (r.done) {
          done = true;
          break;
        }
        head = Buffer.concat([head, r.value]);
      }
      const kind = detectCompression(head);
      const rest = Readable.from(
        (async function* () {
          if (head.length > 0) yield head;
          if (done) return;
          for (;;) {
            const r = (await it.next()) as IteratorResult<Buffer>;
            if (r.done) return;
            yield r.value;
          }
        })(),
        { objectMode: false },
      );
      const stage = kind === 'gzip' ? zlib.createGunzip({ chunkSize: 1 << 17 }) : kind === 'zstd' ? zlib.createZstdDecompress() : new PassThrough();
      rest.on('error', (e) => stage.destroy(e));
      stage.on('error', (e) => out.destroy(new Error(`${kind} stream is corrupt or truncated: ${e.message}`)));
      rest.pipe(stage).pipe(out);
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}

export function compress(input: Readable, kind: 'gzip' | 'zstd'): Readable {
  const stage = kind === 'gzip' ? zlib.createGzip({ level: 6 }) : zlib.createZstdCompress();
  input.on('error', (e) => stage.destroy(e));
  return input.pipe(stage);
}
