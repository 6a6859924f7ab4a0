// Detach keys (Docker's `--detach-keys`, default ctrl-p,ctrl-q): a key sequence typed into an
// attached container's stdin that detaches the client instead of reaching the container. Here for
// both edges: berth's CLI scans its own stdin, the daemon scans what an API client sends.
import { invalidArgument } from '../errdefs/index.ts';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** `ctrl-p,ctrl-q` → [0x10, 0x11]; a single character stands for itself; ctrl-@ ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_ as Docker. */
export function parseDetachKeys(text: string): number[] {
  return text.split(',').map((key) => {
    const k = key.trim().toLowerCase();
    if (k.length === 1) return k.charCodeAt(0);
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (!m) throw invalidArgument(`Unknown character: '${key}'`, key);
    const c = m[1] as string;
    return /[a-z]/.test(c) ? c.charCodeAt(0) - 0x60 : c.toUpperCase().charCodeAt(0) - 0x40;
  });
}

/**
 * Splits input into what goes to the container and whether the sequence was typed. Bytes that
 * may start the sequence are held back until the next key shows whether it goes on.
 */
export class DetachScanner {
  private readonly keys: number[];
  private held: number[] = [];

  constructor(keys: number[]) {
    this.keys = keys;
  }

  feed(chunk: Buffer): { pass: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.held.length]) {
        this.held.push(byte);
        if (this.held.length === this.keys.length) return { pass: Buffer.from(out), detach: true };
        continue;
      }
      out.push(...this.held);
      this.held = [];
      if (byte === this.keys[0]) this.held.push(byte);
      else out.push(byte);
    }
    return { pass: Buffer.from(out), detach: false };
  }
}
