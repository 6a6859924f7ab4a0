// POST /containers/{id}/attach over a hijacked connection. A running container's streams are
// joined at once. A container that does not run yet (`docker run` attaches between create and
// start, `docker start -a` before start) gets a waiting client: the start route takes the waiting
// clients and hands their streams to engine.containers.start(id, {attach}), which connects them
// before the process runs, so no early output is lost. Both ends live in this daemon, so the hand-
// over is a map lookup, not a protocol.
import { DetachScanner, type Attached, type AttachStreams, type Engine } from '../../engine/index.ts';
import { isKind } from '../../errdefs/index.ts';
import type { Hijacked } from './reply.ts';
import { frame, STDERR, STDOUT } from '../stdcopy.ts';
import type { ContainerWatch } from './container-watch.ts';

export interface AttachClient {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The container has a terminal: raw bytes, no stdcopy frames. */
  tty: boolean;
  conn: Hijacked;
  /** The key sequence that detaches the client (Docker's ctrl-p,ctrl-q), when stdin is attached. */
  detachKeys?: number[];
}

interface Waiting {
  client: AttachClient;
  /** Resolves with the session once the container started, undefined when it did not. */
  resolve(a: Attached | undefined): void;
}

export class AttachHub {
  private readonly waiting = new Map<string, Waiting[]>();

  /** Waits for the container's start; leaves the queue when the client goes away first. */
  private wait(id: string, client: AttachClient): Promise<Attached | undefined> {
    return new Promise((resolve) => {
      const entry: Waiting = { client, resolve };
      const list = this.waiting.get(id) ?? [];
      list.push(entry);
      this.waiting.set(id, list);
      // The output's close: the client hung up (a plain response's input is only the request body).
      client.conn.output.once('close', () => {
        const now = this.waiting.get(id)?.filter((w) => w !== entry) ?? [];
        if (now.length > 0) this.waiting.set(id, now);
        else this.waiting.delete(id);
        resolve(undefined);
      });
    });
  }

  /** Starts the container with the waiting clients' streams connected; without any, a plain start. */
  async start(engine: Engine, id: string, watch: ContainerWatch): Promise<void> {
    const clients = this.waiting.get(id) ?? [];
    this.waiting.delete(id);
    if (clients.length === 0) {
      await engine.containers.start(id);
      return;
    }
    const out = (stream: 'stdout' | 'stderr') => (data: Buffer): void => {
      for (const w of clients) if (w.client[stream]) write(w.client, stream, data);
    };
    const streams: AttachStreams = { stdout: out('stdout'), stderr: out('stderr'), stdin: clients.some((w) => w.client.stdin), size: watch.consoleSizes.get(id) };
    let attached: Attached | undefined;
    try {
      attached = await engine.containers.start(id, { attach: streams });
    } catch (err) {
      for (const w of clients) w.resolve(undefined);
      throw err;
    }
    const shared = attached ? share(attached, clients.length) : undefined;
    for (const w of clients) w.resolve(shared);
  }

  /**
   * Serves one attach request on its hijacked connection until the container's output ends or the
   * client leaves (or detaches). The container keeps running when the client goes.
   */
  async serve(engine: Engine, id: string, client: AttachClient, watch: ContainerWatch): Promise<void> {
    const rec = await engine.containers.get(id);
    let session: Attached | undefined;
    if (rec.State.Status === 'running' || rec.State.Status === 'paused') {
      session = await engine.containers.attach(id, { stdout: (d) => client.stdout && write(client, 'stdout', d), stderr: (d) => client.stderr && write(client, 'stderr', d), stdin: client.stdin }).catch((err: unknown) => {
        // Headers are out: a refusal can only end the stream (the CLI checks the state itself before attaching).
        if (isKind(err, 'Conflict')) return undefined;
        throw err;
      });
    } else {
      session = await this.wait(id, client);
    }
    if (!session) {
      client.conn.end();
      return;
    }
    const ended = await follow(session, client);
    await session.close();
    client.conn.end();
    if (ended && rec.HostConfig.AutoRemove) {
      // An --rm container is removed here once its exit is recorded: the attached client's lock kept
      // the engine from removing it before anyone could read its exit code.
      const code = await engine.containers.wait(id).then((r) => r.StatusCode, () => undefined);
      await session.release();
      if (code !== undefined) {
        watch.removed(id, code);
        await engine.containers.remove(id, { force: true }).catch(() => undefined);
      }
    } else {
      await session.release();
    }
    watch.touch(id);
  }
}

/** Output to a client: raw for a terminal, else in stdcopy frames. */
export function write(client: AttachClient, stream: 'stdout' | 'stderr', data: Buffer): void {
  const out = client.conn.output;
  if (out.destroyed || out.writableEnded) return;
  out.write(client.tty ? data : frame(stream === 'stdout' ? STDOUT : STDERR, data));
}

/**
 * Feeds the client's input to the container and waits for the end: true when the container's
 * output ended, false when the client went away or typed the detach keys.
 */
function follow(session: Attached, client: AttachClient): Promise<boolean> {
  const input = client.conn.input;
  return new Promise((resolve) => {
    const scanner = client.detachKeys && client.detachKeys.length > 0 ? new DetachScanner(client.detachKeys) : undefined;
    let settled = false;
    const finish = (ended: boolean): void => {
      if (settled) return;
      settled = true;
      input.off('data', onData).off('end', onEnd);
      client.conn.output.off('close', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      const { pass, detach } = scanner ? scanner.feed(chunk) : { pass: chunk, detach: false };
      input.pause();
      session.writeStdin(pass).then(
        () => (detach ? finish(false) : input.resume()),
        () => input.resume(),
      );
    };
    // The client closed its side (stdin ended): the container's stdin ends too (conmon keeps it
    // open for a container whose stdin outlives one client).
    const onEnd = (): void => void session.endStdin().catch(() => undefined);
    const onClose = (): void => finish(false);
    if (client.stdin) input.on('data', onData).on('end', onEnd);
    // The server paused the socket after the request; what the client sent meanwhile is buffered.
    // Without stdin it is read (and dropped) all the same.
    input.resume();
    client.conn.output.once('close', onClose);
    void session.finished.then(() => finish(true));
  });
}

/** One session for several clients: closed and released when the last is done with it. */
function share(a: Attached, users: number): Attached {
  let closes = users;
  let releases = users;
  return {
    writeStdin: (d) => a.writeStdin(d),
    endStdin: () => a.endStdin(),
    finished: a.finished,
    close: async () => {
      if (--closes === 0) await a.close();
    },
    release: async () => {
      if (--releases === 0) await a.release();
    },
  };
}
