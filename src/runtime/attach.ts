// A client of conmon's attach socket (SOCK_SEQPACKET, one packet per read): packets from conmon
// start with a stream byte (2 stdout, 3 stderr) followed by the data; what berth writes goes to
// the container's stdin as is, and shutting down the write side closes it.
import { closeSync, read, write } from 'node:fs';
import { connectSeqpacket, shutdownSocket, socketUnread } from '../sys/index.ts';

const PACKET = 8193;

export interface AttachHandlers {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

export class AttachSession {
  private readonly fd: number;
  private closed = false;
  /** Resolves when conmon closes the socket (the container's streams ended). */
  readonly finished: Promise<void>;

  constructor(bundle: string, handlers: AttachHandlers) {
    this.fd = connectSeqpacket(bundle, 'attach');
    // Each read blocks on a thread-pool thread until a packet comes; conmon closes the socket when
    // the container exits, and close() shuts it down to wake the reader.
    this.finished = new Promise((resolve) => {
      const buf = Buffer.alloc(PACKET);
      const next = (): void => {
        read(this.fd, buf, 0, PACKET, null, (err, n) => {
          if (err || n === 0 || this.closed) return resolve();
          const data = Buffer.from(buf.subarray(1, n));
          if (buf[0] === 3) handlers.stderr(data);
          else handlers.stdout(data);
          next();
        });
      };
      next();
    });
  }

  writeStdin(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      let off = 0;
      const more = (): void => {
        if (off >= data.length) return resolve();
        write(this.fd, data, off, Math.min(PACKET - 1, data.length - off), null, (err, n) => {
          if (err) return reject(err);
          off += n;
          more();
        });
      };
      more();
    });
  }

  /**
   * Closes the container's stdin once conmon has read all we wrote: conmon drops data that is
   * still queued when it sees the end of input.
   */
  async endStdin(): Promise<void> {
    for (let waited = 0; !this.closed && socketUnread(this.fd) > 0 && waited < 10_000; waited += 5) {
      await new Promise((r) => setTimeout(r, 5));
    }
    // Even read, the data may still be on its way to the container's stdin inside conmon: give it
    // a moment (without it, about one run in fifteen lost its input here).
    await new Promise((r) => setTimeout(r, 50));
    if (!this.closed) shutdownSocket(this.fd, 'write');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    shutdownSocket(this.fd, 'both');
    await this.finished;
    closeSync(this.fd);
  }
}
