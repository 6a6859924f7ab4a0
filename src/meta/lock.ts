// Process-safe locks with flock(2): the kernel releases them when a process dies, so a berth killed
// half way never leaves a lock held. Shared or exclusive, within a process as between processes;
// re-entrant for code running inside the lock's own async context (tracked with
// AsyncLocalStorage), so nested helpers can reuse it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { open, type FileHandle } from 'node:fs/promises';
import { flock, tryFlock } from '../sys/index.ts';

type Mode = 'shared' | 'exclusive';
const context = new AsyncLocalStorage<ReadonlyMap<string, Mode>>();
const locks = new Map<string, FileLock>();

export async function withLock<T>(path: string, mode: Mode, fn: () => Promise<T>): Promise<T> {
  const mine = context.getStore();
  const current = mine?.get(path);
  if (current === 'exclusive' || (current === 'shared' && mode === 'shared')) return fn();
  if (current === 'shared') throw new Error(`lock ${path}: cannot upgrade a shared lock to exclusive`);

  let lock = locks.get(path);
  if (!lock) {
    const made = new FileLock(path, () => {
      if (locks.get(path) === made) locks.delete(path);
    });
    locks.set(path, (lock = made));
  }
  await lock.acquire(mode);
  try {
    const next = new Map(mine ?? []);
    next.set(path, mode);
    return await context.run(next, fn);
  } finally {
    lock.release();
  }
}

interface Waiter {
  mode: Mode;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * One lock file as this process holds it. flock belongs to an open file description, so the
 * process takes it once, on one descriptor, for all its holders: an exclusive holder alone, or
 * shared holders together (a long pull in the daemon does not hold up another pull). Waiters are
 * served in order, so a shared request arriving behind a waiting exclusive one waits too.
 */
class FileLock {
  private readonly path: string;
  private readonly idle: () => void;
  private readonly waiters: Waiter[] = [];
  private holders = 0;
  private mode: Mode = 'shared';
  private fh: FileHandle | undefined;
  /** An open-and-flock or a close under way. */
  private busy = false;

  constructor(path: string, idle: () => void) {
    this.path = path;
    this.idle = idle;
  }

  acquire(mode: Mode): Promise<void> {
    // Holders are only there once the lock is taken (never while it is being taken or let go).
    if (this.holders > 0 && this.mode === 'shared' && mode === 'shared' && this.waiters.length === 0) {
      this.holders++;
      return Promise.resolve();
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.waiters.push({ mode, resolve, reject });
    this.next();
    return promise;
  }

  release(): void {
    this.holders--;
    this.next();
  }

  private next(): void {
    if (this.busy || this.holders > 0) return;
    if (this.fh) {
      // The last holder is gone: closing the descriptor releases the flock for other processes.
      const fh = this.fh;
      this.fh = undefined;
      this.busy = true;
      void fh.close().catch(() => undefined).finally(() => {
        this.busy = false;
        this.next();
      });
      return;
    }
    const first = this.waiters[0];
    if (!first) return this.idle();
    // An exclusive waiter alone, or every shared one at the front of the queue together.
    let n = 1;
    if (first.mode === 'shared') while (this.waiters[n]?.mode === 'shared') n++;
    const batch = this.waiters.splice(0, n);
    this.busy = true;
    void this.take(first.mode).then(
      (fh) => {
        this.fh = fh;
        this.mode = first.mode;
        // Shared requests that came while the lock was being taken join too.
        if (first.mode === 'shared') while (this.waiters[0]?.mode === 'shared') batch.push(this.waiters.shift() as Waiter);
        this.holders = batch.length;
        this.busy = false;
        for (const w of batch) w.resolve();
      },
      (err: unknown) => {
        this.busy = false;
        for (const w of batch) w.reject(err);
        this.next();
      },
    );
  }

  private async take(mode: Mode): Promise<FileHandle> {
    const fh = await open(this.path, 'a+', 0o600);
    try {
      await flock(fh.fd, mode);
      return fh;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }
}

/**
 * Holds a shared lock until the returned function is called (or the process dies): a sign, for
 * other processes, that this one is still there (`isHeld`).
 */
export async function holdShared(path: string): Promise<() => Promise<void>> {
  const fh = await open(path, 'a+', 0o600);
  await flock(fh.fd, 'shared');
  return () => fh.close();
}

/** True when some process holds a lock on the file. */
export async function isHeld(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    return !tryFlock(fh.fd, 'exclusive');
  } finally {
    await fh.close();
  }
}
