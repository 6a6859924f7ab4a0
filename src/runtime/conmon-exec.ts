// conmon for one process exec'd into a running container (Podman's exec sessions): conmon runs
// `<runtime> exec`, holds the process's stdio — with a terminal, the pty master, which the runtime
// hands over a console socket with SCM_RIGHTS that Node cannot receive — and serves an attach
// socket and a ctl fifo (resize) in the session's directory. Three pipes: conmon says on "attach"
// when its socket is ready, waits on "start" (once to begin, once more to run the process, so that
// a client connects before any output), and reports on "sync" the pid, then the exit status.
import { constants as fsConstants, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BerthError, errnoCode } from '../errdefs/index.ts';
import { runtimeMessage, type OciRuntime } from './oci.ts';
import { conmonIdentity, exitCommandArgs } from './conmon.ts';
import { childProcess } from '../sys/index.ts';

export interface ConmonExecOptions {
  conmon: string;
  runtime: OciRuntime;
  containerId: string;
  /** A short name for the session (conmon's own use: its syslog tag). */
  sessionId: string;
  /** The session's own directory: process spec, attach socket, ctl fifo, pid and exit files. */
  dir: string;
  /** The OCI process (runtime-spec `process`) to run, as a file. */
  processFile: string;
  stdin: boolean;
  tty: boolean;
  /** Run by conmon when the process has ended (argv): the session's clean-up. */
  exitCommand?: string[];
}

/** A conmon waiting to run the process: connect to `dir/attach` now, then `start()`. */
export interface PreparedExec {
  /** Runs the process; resolves to its pid, or rejects with the runtime's reason it could not start. */
  start(): Promise<number>;
  /** The exit status once the process ended (128 + n for signal n; -1 when conmon died without saying). */
  readonly exited: Promise<number>;
  /** Stops holding the event loop open for the exit status (a client that does not wait for it). */
  unref(): void;
  /** Gives up before start: conmon exits without running anything. */
  cancel(): void;
}

/** Starts conmon for an exec and waits until its attach socket is ready. */
export async function prepareConmonExec(o: ConmonExecOptions): Promise<PreparedExec> {
  const args = [
    ...conmonIdentity(o.containerId, o.sessionId, o.runtime),
    '-b', o.dir, '-p', join(o.dir, 'pid'), '-0', o.dir, '-P', join(o.dir, 'conmon.pid'),
    // The process's output belongs to the client, not to the container's log.
    '-l', 'none', '--log-level', 'error',
    '--socket-dir-path', o.dir, '--full-attach',
    ...(o.stdin ? ['-i'] : []),
    ...(o.tty ? ['-t'] : []),
    '-e', '--exec-attach', '--exec-process-spec', o.processFile,
  ];
  args.push(...exitCommandArgs(o.exitCommand));
  const child = childProcess().spawn(o.conmon, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' },
    detached: true,
  });
  const pipes = child.stdio as unknown as [null, null, Readable, Readable & { unref?: () => void }, Writable, Readable];
  const [, , stderr, syncPipe, start, attachPipe] = pipes;
  const sync = new LineReader(syncPipe);
  const attach = new LineReader(attachPipe);
  let errText = '';
  stderr.on('data', (c: Buffer) => (errText += c.toString()));
  child.on('error', (err) => {
    sync.fail(err);
    attach.fail(err);
  });
  start.on('error', () => undefined); // conmon gone: the sync pipe says why
  const release = (): void => {
    for (const s of [stderr, start, attachPipe]) s.destroy();
    child.unref();
  };
  try {
    start.write(Buffer.from([0]));
    const ready = conmonMessage(await attach.next(), errText);
    if (ready.data !== 0) throw new BerthError('Internal', `conmon: ${ready.message ?? errText.trim()}`);
  } catch (err) {
    sync.close();
    release();
    throw err;
  }
  // The sync pipe's two messages, asked for in their order: the pid (or why there is none), the exit status.
  const pidLine = sync.next();
  const exitLine = sync.next();
  pidLine.catch(() => undefined);
  const exited = exitLine
    .then((line) => {
      const status = conmonMessage(line, '');
      return typeof status.data === 'number' ? status.data : -1;
    })
    .catch(() => -1)
    .finally(() => sync.close());
  return {
    start: async () => {
      start.end(Buffer.from([0]));
      try {
        const reply = conmonMessage(await pidLine, errText);
        if (typeof reply.data !== 'number' || reply.data <= 0) {
          throw new BerthError('Internal', runtimeMessage(reply.message ?? errText) || 'conmon could not run the process');
        }
        return reply.data;
      } finally {
        release();
      }
    },
    exited,
    unref: () => sync.unref(),
    cancel: () => {
      // conmon's child waits on the start pipe to run the runtime, and dies with conmon (its
      // parent-death signal): killing conmon runs nothing. Closing the pipe would run it.
      try {
        process.kill(Number(readFileSync(join(o.dir, 'conmon.pid'), 'utf8').trim()), 'SIGKILL');
      } catch {
        // conmon is gone already
      }
      sync.close();
      release();
    },
  };
}

/** conmon's ctl fifo: `1 HEIGHT WIDTH` resizes the terminal it holds. Nothing to do once conmon is gone. */
export async function resizeConmonTerminal(dir: string, size: { height: number; width: number }): Promise<void> {
  let fh;
  try {
    fh = await open(join(dir, 'ctl'), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    if (errnoCode(err) === 'ENXIO' || errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  try {
    await fh.write(`1 ${Math.max(0, Math.floor(size.height))} ${Math.max(0, Math.floor(size.width))}\n`);
  } finally {
    await fh.close();
  }
}

function conmonMessage(line: string, errText: string): { data?: number; message?: string } {
  try {
    return JSON.parse(line) as { data?: number; message?: string };
  } catch {
    throw new BerthError('Internal', `conmon: ${errText.trim() || `unexpected reply ${JSON.stringify(line)}`}`);
  }
}

/** Newline-delimited messages from a pipe, each handed to one `next()` in order. */
class LineReader {
  private buf = '';
  private readonly lines: string[] = [];
  private readonly waiting: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  private error: Error | undefined;
  private readonly stream: Readable & { unref?: () => void };

  constructor(stream: Readable & { unref?: () => void }) {
    this.stream = stream;
    stream.on('data', (c: Buffer) => {
      this.buf += c.toString();
      let nl;
      while ((nl = this.buf.indexOf('\n')) !== -1) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
      this.flush();
    });
    stream.on('end', () => this.fail(new Error('conmon closed the pipe')));
    stream.on('error', (err) => this.fail(err));
  }

  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.flush();
    });
  }

  fail(err: Error): void {
    this.error ??= err;
    this.flush();
  }

  unref(): void {
    this.stream.unref?.();
  }

  close(): void {
    this.fail(new Error('closed'));
    this.stream.destroy();
  }

  private flush(): void {
    while (this.waiting.length > 0 && this.lines.length > 0) this.waiting.shift()?.resolve(this.lines.shift() as string);
    if (this.error) for (const w of this.waiting.splice(0)) w.reject(this.error);
  }
}
