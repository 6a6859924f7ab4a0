// Docker's stream multiplexing (moby's stdcopy), used where a container has no terminal: each frame
// is an 8-byte header — the stream (0 stdin, 1 stdout, 2 stderr), three zero bytes, the payload's
// length as a big-endian uint32 — then the payload.
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;

/** One frame: header and payload in one buffer, so that a frame is one write. */
export function frame(stream: 0 | 1 | 2, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.writeUInt32BE(0, 0);
  out[0] = stream;
  out.writeUInt32BE(payload.length, 4);
  payload.copy(out, 8);
  return out;
}

/** Splits a multiplexed byte stream back into frames (a client's side; tests use it). */
export function* demultiplex(data: Buffer): Generator<{ stream: number; payload: Buffer }> {
  let off = 0;
  while (off + 8 <= data.length) {
    const size = data.readUInt32BE(off + 4);
    if (off + 8 + size > data.length) return;
    yield { stream: data[off] as number, payload: data.subarray(off + 8, off + 8 + size) };
    off += 8 + size;
  }
}
