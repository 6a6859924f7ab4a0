// Exec instances as dockerd keeps them: made by POST /containers/{id}/exec, run once by
// POST /exec/{id}/start, inspected until a while after they ended. They live in the daemon's
// memory (dockerd's too): a restarted daemon forgets them.
import { randomBytes } from 'node:crypto';
import { conflict, notFound } from '../../errdefs/index.ts';
import type { ExecSession, TerminalSize } from '../../engine/index.ts';

export interface ExecRecord {
  id: string;
  containerId: string;
  cmd: string[];
  env: string[];
  /** As asked; empty means the container's own (inspect shows that). */
  user: string;
  workingDir: string;
  tty: boolean;
  privileged: boolean;
  openStdin: boolean;
  openStdout: boolean;
  openStderr: boolean;
  detachKeys: number[];
  consoleSize: TerminalSize | undefined;
  running: boolean;
  exitCode: number | null;
  pid: number;
  canRemove: boolean;
  session: ExecSession | undefined;
  /** Resolves when the process started (or failed to): resize waits for it. */
  started: Promise<void>;
  markStarted: () => void;
}

/** dockerd's clean-up period: an ended exec is marked removable at one pass, removed at the next. */
const GC_INTERVAL = 5 * 60_000;

export class ExecStore {
  private readonly records = new Map<string, ExecRecord>();
  private timer: NodeJS.Timeout | undefined;
  /** Whether a container still exists: instances of a removed one go, started or not (as dockerd's). */
  private readonly containerExists: (id: string) => Promise<boolean>;

  constructor(containerExists: (id: string) => Promise<boolean>) {
    this.containerExists = containerExists;
  }

  add(fields: Omit<ExecRecord, 'id' | 'running' | 'exitCode' | 'pid' | 'canRemove' | 'session' | 'started' | 'markStarted'>): ExecRecord {
    let markStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const rec: ExecRecord = { ...fields, id: randomBytes(32).toString('hex'), running: false, exitCode: null, pid: 0, canRemove: false, session: undefined, started, markStarted };
    this.records.set(rec.id, rec);
    this.timer ??= setInterval(() => void this.collect(), GC_INTERVAL).unref();
    return rec;
  }

  /** The instance, or dockerd's 404. */
  get(id: string): ExecRecord {
    const rec = this.records.get(id);
    if (!rec) throw notFound(`No such exec instance: ${id}`, id);
    return rec;
  }

  /** Claims an instance for its one run: dockerd's conflicts for a second start. */
  claim(rec: ExecRecord): void {
    if (rec.exitCode !== null) throw conflict(`exec command ${rec.id} has already run`, rec.id);
    if (rec.running) throw conflict(`exec command ${rec.id} is already running`, rec.id);
    rec.running = true;
  }

  /** The process ended (or never started): its code, for inspect. */
  finish(rec: ExecRecord, code: number): void {
    rec.running = false;
    rec.exitCode = code;
    rec.session = undefined;
    rec.markStarted();
  }

  private async collect(): Promise<void> {
    const gone = new Set<string>();
    for (const id of new Set([...this.records.values()].map((r) => r.containerId))) {
      if (!(await this.containerExists(id).catch(() => true))) gone.add(id);
    }
    for (const rec of this.records.values()) {
      if (!rec.running && gone.has(rec.containerId)) {
        this.records.delete(rec.id);
        continue;
      }
      if (rec.running || rec.exitCode === null) continue;
      if (rec.canRemove) this.records.delete(rec.id);
      else rec.canRemove = true;
    }
  }
}
