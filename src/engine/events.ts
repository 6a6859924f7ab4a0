// Engine events (`docker events`). Every process that changes something (the daemon, the berth
// CLI, the `container cleanup` conmon runs when a container exits) appends one JSON line per event
// to ROOT/events/events.jsonl, so a reader sees all of them, whoever acted. A line is small and
// written in one write() on an O_APPEND descriptor, so writers never interleave. Past 1 MiB the
// file is rotated to events.jsonl.1 (the one older file kept bounds what `since` can reach).
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, statSync, watch, writeSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { invalidArgument } from '../errdefs/index.ts';
import { familiarName } from '../image/index.ts';
import { withLock } from '../meta/index.ts';
import { matchLabel } from './filters.ts';

const LIMIT = 1 << 20;
/** How often a follower looks without being woken (a missed inotify event costs at most this). */
const POLL_MS = 1000;

export type EventType = 'container' | 'image' | 'volume' | 'network' | 'daemon';

/** An event as the Docker Engine API streams it (with the old status/id/from fields it still sends). */
export interface EngineEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export interface EventQuery {
  /** Milliseconds since the epoch (fractions allowed): recorded events from then on come first. */
  since?: number;
  /** Milliseconds since the epoch: the stream ends then (at once, when that is past). */
  until?: number;
  /** Docker's event filters: type, event, container, image, volume, network, label, scope. */
  filters?: Record<string, string[]>;
  /** Ends the stream (the client went away). */
  signal?: AbortSignal;
}

export interface EventService {
  /** Recorded events in [since, until], then new ones as they happen until `until` or the signal. Throws at once on a bad filter. */
  watch(q?: EventQuery): AsyncIterable<EngineEvent>;
}

/** The fields of a container record an event names. */
interface ContainerLike {
  Id: string;
  Name: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
}

export class EventLog implements EventService {
  private readonly dir: string;
  private readonly file: string;
  private readonly limit: number;

  /** `limit`: the size past which the file is rotated (tests make it small). */
  constructor(root: string, opts: { limit?: number } = {}) {
    this.dir = join(root, 'events');
    this.file = join(this.dir, 'events.jsonl');
    this.limit = opts.limit ?? LIMIT;
  }

  /** Records an event; never throws (an event is a record of an action, never a reason for it to fail). */
  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
    const ms = Date.now();
    const old = type === 'container' ? { status: action, id, from: attributes.image ?? '' } : type === 'image' ? { status: action, id } : {};
    const ev: EngineEvent = { ...old, Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: Math.floor(ms / 1000), timeNano: ms * 1e6 };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const fd = openSync(this.file, 'a', 0o600);
      let size: number;
      let ino: number;
      try {
        writeSync(fd, `${JSON.stringify(ev)}\n`);
        ({ size, ino } = fstatSync(fd));
      } finally {
        closeSync(fd);
      }
      if (size > this.limit) this.rotate(ino).catch(() => undefined);
    } catch {
      // no events directory (a read-only root): the action stands
    }
  }

  container(action: string, rec: ContainerLike, extra: Record<string, string> = {}): void {
    this.emit('container', action, rec.Id, { ...(rec.Config.Labels ?? {}), image: rec.Config.Image, name: rec.Name, ...extra });
  }

  /** Image events name the image by ID (tag, untag, delete, load, save, import) or reference (pull, push). Returns `result`, for promise chains. */
  image<T = void>(action: string, id: string, name: string, result?: T): T {
    this.emit('image', action, id, { name });
    return result as T;
  }

  /** pull and push, one event per full reference: ID busybox:latest, name busybox. */
  references<T>(action: string, refs: string[], result: T): T {
    for (const full of refs) {
      const familiar = familiarName(full);
      this.image(action, familiar, familiar.replace(/(@sha256:[0-9a-f]+|:[\w][\w.-]*)$/, ''));
    }
    return result;
  }

  /** What an image removal did: an untag per name, a delete per image gone (both named by the image's ID, as Docker does). */
  removal(id: string, r: { untagged: string[]; deleted: string[] }): void {
    for (let i = 0; i < r.untagged.length; i++) this.image('untag', id, id);
    for (const d of r.deleted) this.image('delete', d, d);
  }

  volume(action: string, name: string, extra: Record<string, string> = {}): void {
    this.emit('volume', action, name, { driver: 'local', ...extra });
  }

  network(action: string, net: { Id: string; Name: string; Driver?: string }, extra: Record<string, string> = {}): void {
    this.emit('network', action, net.Id, { name: net.Name, type: net.Driver ?? 'bridge', ...extra });
  }

  /** A container joined or left networks (at start and stop, as Docker reports it). */
  attachments(action: 'connect' | 'disconnect', container: string, nets: { Id: string; Name: string }[]): void {
    for (const n of nets) this.network(action, n, { container });
  }

  /** A container's volumes, mounted at its start and unmounted when it ends. */
  mounts(action: 'mount' | 'unmount', rec: { Id: string; HostConfig: { Mounts?: { Type: string; Source?: string; Target: string; ReadOnly?: boolean }[] } }): void {
    for (const m of rec.HostConfig.Mounts ?? []) {
      if (m.Type !== 'volume' || !m.Source) continue;
      this.volume(action, m.Source, action === 'mount' ? { container: rec.Id, destination: m.Target, propagation: '', 'read/write': String(m.ReadOnly !== true) } : { container: rec.Id });
    }
  }

  /** Moves a full log aside, once: under a lock, and only if the file is still the one found full. */
  private async rotate(ino: number): Promise<void> {
    await withLock(join(this.dir, 'rotate.lock'), 'exclusive', async () => {
      if (statSync(this.file, { throwIfNoEntry: false })?.ino !== ino) return;
      renameSync(this.file, `${this.file}.1`);
    });
  }

  watch(q: EventQuery = {}): AsyncIterable<EngineEvent> {
    // Checked now, not at the first read: a bad filter is an error before any stream starts.
    return this.follow(q, eventFilter(q.filters ?? {}));
  }

  private async *follow(q: EventQuery, match: (e: EngineEvent) => boolean): AsyncIterable<EngineEvent> {
    const inRange = (e: EngineEvent): boolean => (q.since === undefined || e.timeNano / 1e6 >= q.since) && (q.until === undefined || e.timeNano / 1e6 <= q.until);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Opened before the history is read: nothing written meanwhile is missed.
    const tail = await Tail.open(this.file);
    const wake = new Waker(this.dir);
    try {
      // Docker replays its buffer when either bound is given (`--until` alone: everything up to then).
      const past = q.since !== undefined || q.until !== undefined;
      if (past) {
        const rotated = await stat(`${this.file}.1`).catch(() => undefined);
        if (rotated && rotated.ino !== tail.ino) for (const e of parseLines(await readFile(`${this.file}.1`, 'utf8').catch(() => ''))) if (inRange(e) && match(e)) yield e;
      }
      for (const e of await tail.read()) if (past && inRange(e) && match(e)) yield e;
      for (;;) {
        if (q.signal?.aborted) return;
        const left = q.until === undefined ? POLL_MS : q.until - Date.now();
        if (left <= 0) return;
        await wake.next(Math.min(left, POLL_MS), q.signal);
        for (const e of await tail.read()) if (inRange(e) && match(e)) yield e;
      }
    } finally {
      wake.close();
      await tail.close();
    }
  }
}

/** One EventLog per root, shared by the services of a process. */
const logs = new Map<string, EventLog>();
export function eventLog(root: string): EventLog {
  let log = logs.get(root);
  if (!log) logs.set(root, (log = new EventLog(root)));
  return log;
}

function parseLines(text: string): EngineEvent[] {
  const out: EngineEvent[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as EngineEvent);
    } catch {
      // a torn line (a writer killed mid-write): skipped
    }
  }
  return out;
}

/** Follows the log file across rotations: what is left in the old file is read before the new one. */
class Tail {
  private fh: FileHandle;
  private pos = 0;
  private rest = '';
  ino: number;
  private readonly path: string;

  private constructor(path: string, fh: FileHandle, ino: number) {
    this.path = path;
    this.fh = fh;
    this.ino = ino;
  }

  static async open(path: string): Promise<Tail> {
    const fh = await open(path, 'a+', 0o600);
    return new Tail(path, fh, (await fh.stat()).ino);
  }

  /** The complete lines written since the last read. */
  async read(): Promise<EngineEvent[]> {
    const out: EngineEvent[] = [];
    for (;;) {
      out.push(...(await this.drain()));
      const now = await stat(this.path).catch(() => undefined);
      if (!now || now.ino === this.ino) return out;
      await this.fh.close();
      this.fh = await open(this.path, 'r');
      this.ino = (await this.fh.stat()).ino;
      this.pos = 0;
      this.rest = '';
    }
  }

  private async drain(): Promise<EngineEvent[]> {
    const buf = Buffer.alloc(64 << 10);
    let text = this.rest;
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.pos);
      if (bytesRead === 0) break;
      this.pos += bytesRead;
      text += buf.toString('utf8', 0, bytesRead);
    }
    const cut = text.lastIndexOf('\n') + 1;
    this.rest = text.slice(cut);
    return parseLines(text.slice(0, cut));
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Wakes a follower when the events directory changes (inotify), or after a timeout. */
class Waker {
  private dirty = false;
  private wakeUp: (() => void) | undefined;
  private readonly watcher: ReturnType<typeof watch> | undefined;

  constructor(dir: string) {
    try {
      this.watcher = watch(dir, () => {
        this.dirty = true;
        this.wakeUp?.();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = undefined; // polling alone then
    }
  }

  next(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wakeUp = undefined;
        this.dirty = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      this.wakeUp = done;
    });
  }

  close(): void {
    this.watcher?.close();
  }
}

const FILTERS = ['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume'];

/** moby's events filter: exact match for type and event, names or ID prefixes for objects, images with or without their tag. */
export function eventFilter(filters: Record<string, string[]>): (e: EngineEvent) => boolean {
  for (const key of Object.keys(filters)) if (!FILTERS.includes(key)) throw invalidArgument(`invalid filter '${key}'`);
  const want = (key: string): string[] => filters[key] ?? [];
  const exact = (key: string, v: string): boolean => want(key).length === 0 || want(key).includes(v);
  const fuzzy = (key: string, v: string | undefined): boolean => want(key).length === 0 || (v !== undefined && want(key).some((f) => v === f || v.startsWith(f)));
  const named = (key: EventType, e: EngineEvent): boolean => want(key).length === 0 || fuzzy(key, e.Actor.ID) || fuzzy(key, e.Actor.Attributes.name);
  const stripTag = (s: string): string => s.replace(/:[\w][\w.-]*$/, '');
  const image = (e: EngineEvent): boolean => {
    if (want('image').length === 0) return true;
    const name = e.Actor.Attributes[e.Type === 'image' ? 'name' : 'image'] ?? '';
    return [e.Actor.ID, name, stripTag(e.Actor.ID), stripTag(name)].some((v) => want('image').includes(v));
  };
  const none = (key: string): boolean => want(key).length === 0;
  return (e) =>
    exact('event', e.Action) &&
    exact('type', e.Type) &&
    exact('scope', e.scope) &&
    named('container', e) &&
    named('volume', e) &&
    named('network', e) &&
    image(e) &&
    // Objects berth has none of (swarm, plugins, the daemon's reload): a filter on them matches nothing.
    ['config', 'daemon', 'node', 'plugin', 'secret', 'service'].every(none) &&
    want('label').every((l) => matchLabel(e.Actor.Attributes, l));
}

/** Docker's kill events carry the signal's number. */
export function signalNumber(sig: string): string {
  if (/^\d+$/.test(sig)) return sig;
  const n = (osConstants.signals as Record<string, number | undefined>)[`SIG${sig.replace(/^SIG/, '')}`];
  return n === undefined ? sig : String(n);
}
