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

/** Splits a multiplexed byte stream back into frames as its chunks arrive (a client's side). */
export class Demultiplexer {
  private pending: Buffer = Buffer.alloc(0);

  /** The frames completed by this chunk; a partial frame waits for the next. */
  push(chunk: Buffer): { stream: number; payload: Buffer }[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: { stream: number; payload: Buffer }[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      frames.push({ stream: this.pending[0] as number, payload: this.pending.subarray(8, 8 + size) });
      this.pending = this.pending.subarray(8 + size);
    }
    return frames;
  }
}

/** The frames of a whole multiplexed body (tests read answers this way). */
export function demultiplex(data: Buffer): { stream: number; payload: Buffer }[] {
  return new Demultiplexer().push(data);
}
