// What the daemon remembers about containers between requests: who waits for a change of state
// (POST /wait), and the exit code of a container removed meanwhile (docker run --rm's wait for
// "removed" must still learn the code). Routes that change a container say so with touch().
import { EventEmitter } from 'node:events';
import type { Engine, TerminalSize } from '../../engine/index.ts';
import { isKind, invalidArgument } from '../../errdefs/index.ts';

/** How often a waiter looks again when no route said anything (others may change containers too: conmon, berth's CLI). */
const RECHECK_MS = 250;

export class ContainerWatch {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly exits = new Map<string, number>();
  /** HostConfig.ConsoleSize of containers made through the API, for the terminal made at their start. */
  readonly consoleSizes = new Map<string, TerminalSize>();

  touch(id: string): void {
    this.events.emit(id);
  }

  /** A container about to be removed: its exit code stays known to those who wait for it. */
  removed(id: string, code: number): void {
    this.exits.set(id, code);
    this.consoleSizes.delete(id);
    // Kept a while for the waiters that have not looked yet, then forgotten.
    setTimeout(() => this.exits.delete(id), 60_000).unref();
    this.touch(id);
  }

  exitOf(id: string): number | undefined {
    return this.exits.get(id);
  }

  /** Resolves on the next touch of `id`, after a while anyway, or rejects when `signal` aborts. */
  changed(id: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.events.off(id, done);
        signal.removeEventListener('abort', done);
        if (signal.aborted) reject(new Error('the client went away'));
        else resolve();
      };
      const timer = setTimeout(done, RECHECK_MS);
      this.events.once(id, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export function waitCondition(text: string | null): WaitCondition {
  const c = text || 'not-running';
  if (c !== 'not-running' && c !== 'next-exit' && c !== 'removed') throw invalidArgument(`invalid condition: "${c}"`);
  return c;
}

/** The state a wait starts from: taken before the response's headers go out, so that a start sent after them is seen. */
export interface WaitStart {
  id: string;
  startedAt: string;
  exitCode: number;
}

export async function waitStart(engine: Engine, ref: string): Promise<WaitStart> {
  const rec = await engine.containers.get(ref);
  return { id: rec.Id, startedAt: rec.State.StartedAt, exitCode: rec.State.ExitCode };
}

const live = (status: string): boolean => status === 'running' || status === 'paused' || status === 'restarting';

/**
 * dockerd's wait conditions: `not-running` returns at once for a container that does not run;
 * `next-exit` waits for the end of a run that is under way or still to come; `removed` waits
 * until the container is gone. Resolves to the exit code.
 */
export async function waitFor(engine: Engine, watch: ContainerWatch, from: WaitStart, condition: WaitCondition, signal: AbortSignal): Promise<number> {
  let code = from.exitCode;
  const gone = (): number => watch.exitOf(from.id) ?? code;
  for (;;) {
    let rec;
    try {
      rec = await engine.containers.get(from.id);
    } catch (err) {
      if (isKind(err, 'NotFound')) return gone();
      throw err;
    }
    code = rec.State.ExitCode;
    if (live(rec.State.Status)) {
      try {
        code = (await engine.containers.wait(from.id, { signal })).StatusCode;
      } catch (err) {
        if (isKind(err, 'NotFound')) return gone();
        throw err;
      }
      if (condition !== 'removed') return code;
      continue;
    }
    if (condition === 'not-running') return code;
    if (condition === 'next-exit' && rec.State.StartedAt !== from.startedAt) return code;
    await watch.changed(from.id, signal);
  }
}
