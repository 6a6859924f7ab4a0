// How a handler answers: JSON, an empty status, a stream (JSON lines, a tar, logs), or a hijacked
// connection (attach, exec start) that carries raw bytes both ways once the headers are out.
import type { ServerResponse } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { BerthError, type ErrorKind } from '../../errdefs/index.ts';

const STATUS: Record<ErrorKind, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  InvalidArgument: 400,
  Conflict: 409,
  FailedPrecondition: 400,
  Unauthorized: 401,
  Unavailable: 503,
  Internal: 500,
};

/** An error's HTTP status: its own (413 for a body too large), its kind's, or 500. */
export function statusOf(err: unknown): number {
  const own = (err as { status?: unknown } | null)?.status;
  if (typeof own === 'number') return own;
  return err instanceof BerthError ? STATUS[err.kind] : 500;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A hijacked connection: raw bytes out, and the client's bytes in (its stdin). */
export interface Hijacked {
  output: Writable;
  /** What the client sends after the request: the socket when upgraded, else the request body. */
  input: Readable;
  /** Ends the connection (after the last bytes are flushed). */
  end(): void;
}

export class ApiReply {
  private readonly res: ServerResponse | undefined;
  /** The raw connection (set for requests that may be hijacked). */
  private readonly raw: { socket: Duplex; upgrade: boolean } | undefined;
  private hijacked = false;

  constructor(res: ServerResponse | undefined, raw?: { socket: Duplex; upgrade: boolean }) {
    this.res = res;
    this.raw = raw;
  }

  /** The status sent (101 for an upgrade), for the request log. */
  status = 0;

  get sent(): boolean {
    return this.hijacked || (this.res?.headersSent ?? false);
  }

  json(status: number, body: unknown): void {
    this.send(status, 'application/json', `${JSON.stringify(body)}\n`);
  }

  /** A status with no body (204, 304), or a plain text body (`/_ping`'s "OK"). */
  empty(status: number, text = '', headers: Record<string, string> = {}): void {
    this.send(status, 'text/plain; charset=utf-8', text, headers);
  }

  error(err: unknown): void {
    const status = statusOf(err);
    if (this.sent) {
      // Headers are gone: a stream says it in its own way (JSON streams carry errorDetail lines).
      this.destroy();
      return;
    }
    // A body left unread (too large) cannot be followed by another request on this connection.
    const close = (err as { closeConnection?: unknown } | null)?.closeConnection === true;
    this.send(status, 'application/json', `${JSON.stringify({ message: messageOf(err) })}\n`, close ? { Connection: 'close' } : {});
  }

  /** A streamed body: the caller writes to the returned response and ends it. */
  stream(status: number, contentType: string, headers: Record<string, string> = {}): ServerResponse {
    if (this.hijacked) throw new Error('the connection is hijacked');
    if (!this.res) {
      // An upgrade request gets hijack() or a plain answer (send), never a stream.
      throw new Error('a streamed reply needs a regular request');
    }
    this.status = status;
    this.res.writeHead(status, { 'Content-Type': contentType, ...headers });
    this.res.flushHeaders();
    return this.res;
  }

  /**
   * Takes the connection over. With `Upgrade: tcp` (the docker CLI, docker-py, dockerode's hijack)
   * a 101, then raw bytes both ways on the socket; without, a 200 whose body is the raw stream
   * (output only: the request body is all the input there is).
   */
  hijack(contentType: string, body: Readable): Hijacked {
    if (this.sent) throw new Error('the reply was already sent');
    this.hijacked = true;
    if (this.raw?.upgrade) {
      this.status = 101;
      const socket = this.raw.socket;
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      return { output: socket, input: socket, end: () => socket.destroyed || socket.end() };
    }
    if (!this.res) throw new Error('no connection to hijack');
    const res = this.res;
    this.status = 200;
    res.writeHead(200, { 'Content-Type': contentType });
    res.flushHeaders();
    return { output: res, input: body, end: () => res.writableEnded || res.end() };
  }

  /**
   * A protocol switch other than Docker's `Upgrade: tcp` (the websocket attach): a 101 with these
   * headers, then the socket is the caller's. Undefined when the request asked for no upgrade.
   */
  switchProtocols(headers: Record<string, string>): Duplex | undefined {
    if (this.sent || !this.raw?.upgrade) return undefined;
    this.hijacked = true;
    const socket = this.raw.socket;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    return socket;
  }

  destroy(): void {
    (this.raw?.socket ?? this.res?.socket)?.destroy();
  }

  private send(status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
    this.status = status;
    if (this.res) {
      const h: Record<string, string | number> = { ...headers };
      if (status !== 204 && status !== 304) {
        h['Content-Type'] = contentType;
        h['Content-Length'] = Buffer.byteLength(body);
      }
      this.res.writeHead(status, h).end(status === 204 || status === 304 ? undefined : body);
      return;
    }
    // An upgrade request that ends in a plain answer (an error before hijacking).
    const socket = this.raw?.socket;
    if (!socket) return;
    const reason = status === 200 ? 'OK' : status === 204 ? 'No Content' : status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : status === 400 ? 'Bad Request' : 'Error';
    const lines = [`HTTP/1.1 ${status} ${reason}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Type: ${contentType}`, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', ''];
    this.hijacked = true;
    socket.end(lines.join('\r\n') + body);
  }
}
