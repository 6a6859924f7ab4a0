// GET /containers/{id}/attach/ws: the attach over a websocket (RFC 6455), for browsers and the
// tools built on them. The container's output goes out raw (no stdcopy frames), in binary frames
// from API 1.42 and text frames before, as dockerd sends them; what the client sends is its stdin.
// Only the little of the protocol an attach needs: data frames, close, ping/pong.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.ts';
import type { Hijacked } from './reply.ts';
import type { ApiReply } from './reply.ts';
import type { ApiRequest } from './request.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;
/** A client frame bigger than this is refused (stdin comes in small pieces). */
const MAX_FRAME = 16 << 20;

function encode(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126) {
    head[0] = 0x80 | opcode;
    head[1] = n < 65536 ? 126 : 127;
    if (n < 65536) head.writeUInt16BE(n, 2);
    else head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Reads masked client frames from `buf`; returns the frames found and the bytes left over. */
function decode(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const opcode = (buf[off] as number) & 0x0f;
    const masked = ((buf[off + 1] as number) & 0x80) !== 0;
    let len = (buf[off + 1] as number) & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length - p < 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length - p < 8) break;
      const big = buf.readBigUInt64BE(p);
      if (big > BigInt(MAX_FRAME)) throw invalidArgument('websocket frame too large');
      len = Number(big);
      p += 8;
    }
    const maskLen = masked ? 4 : 0;
    if (buf.length - p < maskLen + len) break;
    const payload = Buffer.from(buf.subarray(p + maskLen, p + maskLen + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (buf[p + (i % 4)] as number);
    frames.push({ opcode, payload });
    off = p + maskLen + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/**
 * Completes the websocket handshake and gives the connection as a Hijacked pair: `output` takes
 * raw bytes (each write one frame), `input` yields what the client sends and ends at its close.
 */
export function acceptWebSocket(req: ApiRequest, reply: ApiReply): Hijacked {
  const key = req.headers['sec-websocket-key'];
  if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') throw invalidArgument('websocket upgrade expected: this endpoint speaks only over a websocket');
  const accept = createHash('sha1').update(`${key}${GUID}`).digest('base64');
  const socket: Duplex | undefined = reply.switchProtocols({ Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': accept });
  if (!socket) throw invalidArgument('websocket upgrade expected');
  socket.on('error', () => undefined);
  const opcode = req.version.atLeast('1.42') ? BINARY : TEXT;
  const input = new PassThrough();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    if (!socket.destroyed) socket.end(encode(CLOSE, Buffer.alloc(0)));
  };
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!closed && !socket.destroyed) socket.write(encode(opcode, chunk));
      done();
    },
  });
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    let parsed;
    try {
      parsed = decode(Buffer.concat([pending, chunk]));
    } catch {
      socket.destroy();
      return;
    }
    pending = Buffer.from(parsed.rest);
    for (const f of parsed.frames) {
      if (f.opcode === CLOSE) {
        input.end();
        close();
      } else if (f.opcode === PING) {
        socket.write(encode(PONG, f.payload));
      } else if (f.opcode !== PONG) {
        input.write(f.payload);
      }
    }
  });
  socket.on('close', () => {
    closed = true;
    input.end();
    output.destroy();
  });
  socket.resume();
  return { output, input, end: close };
}
