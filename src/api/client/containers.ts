// ContainerService over the Docker Engine API: the remote engine's containers. Attaching is the
// docker CLI's sequence — attach (hijacked), wait for the next exit, start — so no output and no
// exit code is lost, even for a --rm container the daemon removes as soon as it exits.
import type { Duplex } from 'node:stream';
import type {
  AttachStreams, Attached, Change, CommitOptions, ContainerService, ContainerStats, ContainerSummary, CreateOptions,
  ExecOptions, ExecSession, ExecStreams, ListContainersOptions, LogEntry, LogOptions, TerminalSize, TopResult, UpdateOptions,
} from '../../engine/index.ts';
import type { ContainerRecord } from '../../meta/index.ts';
import { createBody } from './create-body.ts';
import { Demultiplexer, STDERR } from '../stdcopy.ts';
import { logEntries } from './logs.ts';
import { remoteOnly, type ApiClient } from './transport.ts';

const id = (ref: string): string => encodeURIComponent(ref);

export class RemoteContainers implements ContainerService {
  private readonly api: ApiClient;
  /** Exit codes asked for before a start (condition=next-exit), by container ID. */
  private readonly exits = new Map<string, Promise<{ StatusCode: number }>>();

  constructor(api: ApiClient) {
    this.api = api;
  }

  create(o: CreateOptions): Promise<{ Id: string; Warnings: string[] }> {
    return this.api.json<{ Id: string; Warnings: string[] | null }>('POST', '/containers/create', { query: { name: o.name }, json: createBody(o) }).then((r) => ({ Id: r.Id, Warnings: r.Warnings ?? [] }));
  }

  async start(ref: string, opts: { attach?: AttachStreams } = {}): Promise<Attached | undefined> {
    if (!opts.attach) {
      await this.api.call('POST', `/containers/${id(ref)}/start`);
      return undefined;
    }
    const rec = await this.get(ref);
    const session = await this.connect(rec, opts.attach);
    // As the docker CLI: the wait's headers first (the daemon has the wait in place), then start.
    const waiting = await this.api.request('POST', `/containers/${id(rec.Id)}/wait`, { query: { condition: 'next-exit' } });
    const exit = this.api.bodyOf<{ StatusCode: number }>(waiting);
    exit.catch(() => undefined); // read by wait(), if the caller gets that far
    this.exits.set(rec.Id, exit);
    try {
      await this.api.call('POST', `/containers/${id(rec.Id)}/start`);
      if (opts.attach.size && rec.Config.Tty) await this.resize(rec.Id, opts.attach.size);
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  async attach(ref: string, streams: AttachStreams): Promise<Attached> {
    const rec = await this.get(ref);
    const session = await this.connect(rec, streams);
    if (streams.size && rec.Config.Tty) await this.resize(rec.Id, streams.size);
    return session;
  }

  wait(ref: string): Promise<{ StatusCode: number }> {
    const asked = this.exits.get(ref);
    if (asked) {
      this.exits.delete(ref);
      return asked;
    }
    return this.api.json('POST', `/containers/${id(ref)}/wait`);
  }

  list(opts: ListContainersOptions = {}): Promise<ContainerSummary[]> {
    const filters = opts.filters && Object.keys(opts.filters).length > 0 ? JSON.stringify(opts.filters) : undefined;
    return this.api.json('GET', '/containers/json', { query: { all: opts.all, limit: opts.limit, latest: opts.latest, filters } });
  }

  inspect(ref: string): Promise<Record<string, unknown>> {
    return this.api.json('GET', `/containers/${id(ref)}/json`);
  }

  async *logs(ref: string, opts: LogOptions = {}): AsyncIterable<LogEntry> {
    const rec = await this.get(ref);
    const res = await this.api.request('GET', `/containers/${id(ref)}/logs`, {
      query: { stdout: true, stderr: true, timestamps: true, follow: opts.follow, tail: opts.tail, since: opts.since, until: opts.until },
    });
    yield* logEntries(res, rec.Config.Tty);
  }

  stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.api.call('POST', `/containers/${id(ref)}/stop`, { query: { t: opts.timeout, signal: opts.signal } });
  }

  kill(ref: string, signal?: string): Promise<void> {
    return this.api.call('POST', `/containers/${id(ref)}/kill`, { query: { signal } });
  }

  remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return this.api.call('DELETE', `/containers/${id(ref)}`, { query: { force: opts.force, v: opts.volumes } });
  }

  async cleanup(_ref: string): Promise<void> {
    throw remoteOnly('container cleanup');
  }

  async resolve(ref: string): Promise<string> {
    return (await this.inspect(ref)).Id as string;
  }

  /** The container as the daemon shows it: inspect's fields are the record's. */
  async get(ref: string): Promise<ContainerRecord> {
    return (await this.inspect(ref)) as unknown as ContainerRecord;
  }

  async withRootfs<T>(_ref: string, _fn: (rootfs: string, rec: ContainerRecord) => Promise<T>): Promise<T> {
    throw remoteOnly('reaching a container\'s files directly');
  }

  top(ref: string, psArgs?: string): Promise<TopResult> {
    return this.api.json('GET', `/containers/${id(ref)}/top`, { query: { ps_args: psArgs } });
  }

  stats(ref: string): Promise<ContainerStats> {
    return this.api.json('GET', `/containers/${id(ref)}/stats`, { query: { stream: false } });
  }

  async changes(ref: string): Promise<Change[]> {
    return (await this.api.json<Change[] | null>('GET', `/containers/${id(ref)}/changes`)) ?? [];
  }

  resize(ref: string, size: TerminalSize): Promise<void> {
    return this.api.call('POST', `/containers/${id(ref)}/resize`, { query: { h: size.height, w: size.width } });
  }

  pause(ref: string): Promise<void> {
    return this.api.call('POST', `/containers/${id(ref)}/pause`);
  }

  unpause(ref: string): Promise<void> {
    return this.api.call('POST', `/containers/${id(ref)}/unpause`);
  }

  rename(ref: string, name: string): Promise<void> {
    return this.api.call('POST', `/containers/${id(ref)}/rename`, { query: { name } });
  }

  restart(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.api.call('POST', `/containers/${id(ref)}/restart`, { query: { t: opts.timeout, signal: opts.signal } });
  }

  async update(ref: string, o: UpdateOptions): Promise<{ Warnings: string[] }> {
    const body = {
      Memory: o.memory,
      MemorySwap: o.memorySwap,
      NanoCpus: o.cpus === undefined ? undefined : Math.round(o.cpus * 1e9),
      CpuShares: o.cpuShares,
      PidsLimit: o.pidsLimit,
      RestartPolicy: o.restart === undefined ? undefined : { Name: o.restart.split(':')[0], MaximumRetryCount: Number(o.restart.split(':')[1] ?? 0) },
    };
    const r = await this.api.json<{ Warnings: string[] | null }>('POST', `/containers/${id(ref)}/update`, { json: body });
    return { Warnings: r.Warnings ?? [] };
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const r = await this.api.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', { query: { filters: Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined } });
    return { ContainersDeleted: r.ContainersDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed };
  }

  async commit(ref: string, o: CommitOptions & { pause?: boolean }): Promise<string> {
    const name = o.reference ? /^(.*?)(?::([^:/]+))?$/.exec(o.reference) : undefined;
    const r = await this.api.json<{ Id: string }>('POST', '/commit', {
      query: { container: ref, repo: name?.[1], tag: name?.[2], comment: o.message, author: o.author, pause: o.pause ?? true, changes: o.changes },
    });
    return r.Id;
  }

  /** The daemon checks at exec create; here the container only has to exist. */
  checkExec(ref: string): Promise<string> {
    return this.resolve(ref);
  }

  async exec(ref: string, o: ExecOptions, streams: ExecStreams = {}): Promise<ExecSession> {
    const tty = o.tty === true && o.detach !== true;
    const size = o.size ? [o.size.height, o.size.width] : undefined;
    const created = await this.api.json<{ Id: string }>('POST', `/containers/${id(ref)}/exec`, {
      json: { Cmd: o.cmd, Env: o.env, User: o.user, WorkingDir: o.workdir, Tty: tty, Privileged: o.privileged, AttachStdin: o.interactive === true && !o.detach, AttachStdout: !o.detach, AttachStderr: !o.detach, ConsoleSize: size },
    });
    const execPath = `/exec/${created.Id}`;
    const inspect = (): Promise<{ Pid: number; ExitCode: number | null }> => this.api.json('GET', `${execPath}/json`);
    if (o.detach) {
      await this.api.call('POST', `${execPath}/start`, { json: { Detach: true, Tty: false } });
      const done = Promise.resolve();
      return { pid: (await inspect()).Pid, writeStdin: async () => undefined, endStdin: async () => undefined, resize: async () => undefined, finished: done, exitCode: done.then(() => -1), close: async () => undefined };
    }
    const socket = await this.api.hijack('POST', `${execPath}/start`, { json: { Detach: false, Tty: tty, ConsoleSize: size } });
    const finished = pump(socket, tty, { stdout: (d) => streams.stdout?.(d), stderr: (d) => streams.stderr?.(d) });
    return {
      pid: (await inspect()).Pid,
      writeStdin: (data) => new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve()))),
      endStdin: async () => {
        socket.end();
      },
      resize: (s) => this.api.call('POST', `${execPath}/resize`, { query: { h: s.height, w: s.width } }),
      finished,
      exitCode: finished.then(async () => (await inspect()).ExitCode ?? -1),
      close: async () => {
        socket.destroy();
      },
    };
  }

  /** A hijacked attach whose output goes to the streams' handlers. */
  private async connect(rec: ContainerRecord, streams: AttachStreams): Promise<Attached> {
    const socket = await this.api.hijack('POST', `/containers/${id(rec.Id)}/attach`, { query: { stream: true, stdin: streams.stdin === true, stdout: true, stderr: true } });
    const finished = pump(socket, rec.Config.Tty, streams);
    return {
      writeStdin: (data) => new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve()))),
      endStdin: async () => {
        socket.end();
      },
      finished,
      close: async () => {
        socket.destroy();
      },
      release: async () => undefined,
    };
  }
}

/** Copies a hijacked stream to the handlers (stdcopy frames without a terminal) until it ends. */
function pump(socket: Duplex, tty: boolean, out: { stdout(d: Buffer): void; stderr(d: Buffer): void }): Promise<void> {
  return new Promise((resolve) => {
    const frames = new Demultiplexer();
    socket.on('data', (c: Buffer) => {
      if (tty) return out.stdout(c);
      for (const f of frames.push(c)) (f.stream === STDERR ? out.stderr : out.stdout)(f.payload);
    });
    socket.on('end', () => resolve());
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}
