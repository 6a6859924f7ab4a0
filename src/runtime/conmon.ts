// conmon, the per-container monitor: it daemonizes, runs `<runtime> create`, holds the container's
// stdio, writes its log and its exit code, and serves the attach socket. berth talks to it through
// two descriptors (sync: conmon reports the container's pid; start: berth lets it go) and files.
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../errdefs/index.ts';
import { runtimeMessage, type OciRuntime } from './oci.ts';
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../sys/index.ts';

export interface ConmonOptions {
  conmon: string;
  runtime: OciRuntime;
  id: string;
  /** A short name for conmon's own use (its socket directory entry, its syslog tag). */
  shortId: string;
  bundle: string;
  logPath: string;
  exitDir: string;
  persistDir: string;
  socketDir: string;
  pidFile: string;
  conmonPidFile: string;
  stdin: boolean;
  /** The container's stdin stays open when an attached client closes its end (else that closes it). */
  leaveStdinOpen: boolean;
  tty: boolean;
  /** Run when the container exits (berth's cleanup), as argv. */
  exitCommand?: string[];
  /** Descriptors conmon keeps open while it lives: the sockets holding the container's published ports. */
  holdFds?: number[];
}

export interface ConmonStarted {
  /** The container's init process, as seen from the host. */
  pid: number;
  conmonPid: number;
}

/** What every conmon run starts with: the protocol version, the container, its session name, the runtime. */
export function conmonIdentity(containerId: string, sessionId: string, runtime: OciRuntime): string[] {
  return ['--api-version', '1', '-c', containerId, '-u', sessionId, '-n', containerId, '-r', runtime.path, ...runtime.globalArgs.flatMap((a) => ['--runtime-arg', a])];
}

/** conmon's flags for a command it runs when the process exits (argv), none without one. */
export function exitCommandArgs(command: string[] | undefined): string[] {
  if (!command || command.length === 0) return [];
  return ['--exit-command', command[0] as string, ...command.slice(1).flatMap((a) => ['--exit-command-arg', a])];
}

export async function startConmon(o: ConmonOptions): Promise<ConmonStarted> {
  const args = [
    ...conmonIdentity(o.id, o.shortId, o.runtime),
    '-b', o.bundle, '-p', o.pidFile,
    '--exit-dir', o.exitDir, '-0', o.persistDir,
    '-l', `k8s-file:${o.logPath}`, '--log-level', 'error',
    '--socket-dir-path', o.socketDir, '--full-attach',
    '--conmon-pidfile', o.conmonPidFile,
    ...(o.stdin ? ['-i'] : []),
    ...(o.stdin && o.leaveStdinOpen ? ['--leave-stdin-open'] : []),
    ...(o.tty ? ['-t'] : []),
  ];
  args.push(...exitCommandArgs(o.exitCommand));
  // fd 3: conmon writes {"data": pid} (or an error) once the runtime created the container.
  // fd 4: conmon waits for a byte before it starts; berth sends it at once.
  const child = childProcess().spawn(o.conmon, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', ...(o.holdFds ?? [])],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    detached: true,
  });
  const stderr = child.stdio[2] as Readable;
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  let errText = '';
  stderr.on('data', (c: Buffer) => (errText += c.toString()));
  try {
    start.end(Buffer.from([0]));
    const message = await firstLine(sync, child);
    let parsed: { data?: number; message?: string };
    try {
      parsed = JSON.parse(message) as { data?: number; message?: string };
    } catch {
      throw new BerthError('Internal', `conmon: ${errText.trim() || `unexpected reply ${JSON.stringify(message)}`}`);
    }
    if (typeof parsed.data !== 'number' || parsed.data <= 0) {
      throw new BerthError('Internal', runtimeMessage(parsed.message ?? errText) || 'conmon could not create the container');
    }
    const conmonPid = Number((await readFile(o.conmonPidFile, 'utf8')).trim());
    return { pid: parsed.data, conmonPid };
  } finally {
    for (const s of [stderr, sync, start]) s.destroy();
    child.unref();
  }
}

function firstLine(r: Readable, child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (err?: Error): void => {
      r.off('data', onData).off('end', onEnd).off('error', done);
      child.off('error', done);
      if (err) reject(err);
      else resolve(buf.split('\n')[0] ?? '');
    };
    const onData = (c: Buffer): void => {
      buf += c.toString();
      if (buf.includes('\n')) done();
    };
    const onEnd = (): void => done();
    r.on('data', onData).on('end', onEnd).on('error', done);
    child.on('error', done);
  });
}
