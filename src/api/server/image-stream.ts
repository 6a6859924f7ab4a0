// Docker's JSON message stream (pull, push, load, import, build): one JSON object a line. The
// headers go out with the first message, so a failure before it is a plain HTTP error ({"message"}
// with its status, as the CLI's "Error response from daemon: …") and one after it is the stream's
// last line, {"errorDetail": {"message"}, "error"} — dockerd's WriteFlusher does the same.
import type { ServerResponse } from 'node:http';
import type { ProgressMessage } from '../../engine/index.ts';
import { messageOf, type ApiReply } from './reply.ts';

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  aux?: unknown;
  errorDetail?: { code?: number; message: string };
  error?: string;
}

export class JsonStream {
  private readonly reply: ApiReply;
  private readonly signal: AbortSignal;
  private res: ServerResponse | undefined;

  constructor(reply: ApiReply, signal: AbortSignal) {
    this.reply = reply;
    this.signal = signal;
  }

  /** Sends the headers now: what follows, errors too, is in the stream. */
  open(): ServerResponse {
    this.res ??= this.reply.stream(200, 'application/json');
    return this.res;
  }

  write(m: JsonMessage): void {
    if (this.signal.aborted) return; // the client went away: nobody reads on
    const res = this.open();
    if (!res.writableEnded) res.write(`${JSON.stringify(m)}\n`);
  }

  /** A pull's or push's progress line, with the bar Docker's JSONProgress draws. */
  progress = (p: ProgressMessage): void => {
    const detail = p.progressDetail;
    const bar = detail?.total ? progressBar(detail.current ?? 0, detail.total) : undefined;
    this.write({ status: p.status, ...(detail ? { progressDetail: detail } : {}), ...(bar ? { progress: bar } : {}), ...(p.id ? { id: p.id } : {}) });
  };

  text = (text: string): void => this.write({ stream: text });

  /**
   * Ends the stream. An error after the headers is its last line; before them it is thrown, so the
   * server answers with the error's status. `code` is the build's (a RUN's exit code).
   */
  end(err?: unknown, code?: number): void {
    if (err !== undefined) {
      if (!this.res) throw err;
      const message = messageOf(err);
      this.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message }, error: message });
    }
    this.open().end();
  }
}

/** Docker's progress bar: `=` for every 2 %, a `>` head, then current/total in decimal units. */
export function progressBar(current: number, total: number): string {
  const filled = Math.max(0, Math.min(50, Math.floor((current / total) * 50)));
  return `[${'='.repeat(filled)}>${' '.repeat(50 - filled)}] ${humanSize(current)}/${humanSize(total)}`;
}

/** go-units' HumanSize: decimal units, four significant digits. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i] as string}`;
}
