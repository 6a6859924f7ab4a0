// A real pseudo-terminal for tests: berth runs with the slave side as its controlling terminal
// (util-linux `setsid --ctty`), the test types into the master side, reads what appears there,
// and resizes it (the kernel then sends SIGWINCH to berth, as a terminal emulator would).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, read, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

const TIOCSWINSZ = 0x5414;

interface PtyLibc {
  openpty: (master: number[], slave: number[], name: null, termp: null, winp: Buffer) => number;
  ioctl: (fd: number, request: number, arg: Buffer) => number;
}
let libc: PtyLibc | undefined;
function load(): PtyLibc {
  if (libc) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  libc = {
    openpty: lib.func('int openpty(_Out_ int *amaster, _Out_ int *aslave, void *name, void *termp, void *winp)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, void *arg)'),
  };
  return libc;
}

function winsize(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(rows, 0);
  b.writeUInt16LE(cols, 2);
  return b;
}

export class PtySession {
  private readonly master: number;
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number>;
  private readonly closed: Promise<void>;

  constructor(cmd: string, args: string[], size: { rows: number; cols: number }) {
    const master = [0];
    const slave = [0];
    if (load().openpty(master, slave, null, null, winsize(size.rows, size.cols)) !== 0) throw new Error('openpty failed');
    this.master = master[0] as number;
    this.child = spawn('setsid', ['--ctty', cmd, ...args], { stdio: [slave[0] as number, slave[0] as number, slave[0] as number] });
    closeSync(slave[0] as number);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
    // Reads block on a thread-pool thread; EIO comes once every slave descriptor is closed.
    this.closed = new Promise((resolve) => {
      const buf = Buffer.alloc(4096);
      const next = (): void => {
        read(this.master, buf, 0, buf.length, null, (err, n) => {
          if (err || n === 0) return resolve();
          this.output += buf.subarray(0, n).toString();
          next();
        });
      };
      next();
    });
  }

  type(text: string | Buffer): void {
    writeSync(this.master, typeof text === 'string' ? Buffer.from(text) : text);
  }

  resize(rows: number, cols: number): void {
    if (load().ioctl(this.master, TIOCSWINSZ, winsize(rows, cols)) !== 0) throw new Error('TIOCSWINSZ failed');
  }

  /** Waits until the output matches (or fails after `ms`, showing what came). */
  async waitFor(pattern: RegExp, ms = 15_000, poke?: () => void): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; terminal showed: ${JSON.stringify(this.output)}`);
      poke?.();
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits for the process to exit and the terminal to be drained, then closes it. */
  async finish(): Promise<number> {
    const code = await this.exited;
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
    closeSync(this.master);
    return code;
  }
}
