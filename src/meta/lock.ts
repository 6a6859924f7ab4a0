// Process-safe locks with flock(2): the kernel releases them when a process dies, so a berth killed
// half way never leaves a lock held. Shared or exclusive; re-entrant for code running inside the
// lock's own async context (tracked with AsyncLocalStorage), so nested helpers can reuse it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { open } from 'node:fs/promises';
import { flock, tryFlock } from '../sys/index.ts';

type Mode = 'shared' | 'exclusive';
const context = new AsyncLocalStorage<ReadonlyMap<string, Mode>>();
const queues = new Map<string, Promise<void>>();

export async function withLock<T>(path: string, mode: Mode, fn: () => Promise<T>): Promise<T> {
  const mine = context.getStore();
  const current = mine?.get(path);
  if (current === 'exclusive' || (current === 'shared' && mode === 'shared')) return fn();
  if (current === 'shared') throw new Error(`lock ${path}: cannot upgrade a shared lock to exclusive`);

  // flock belongs to an open file description; serialise the tasks of this process on one path so
  // each waits its turn instead of sharing a descriptor it does not own.
  const prev = queues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const turn = prev.then(() => new Promise<void>((r) => (release = r)));
  queues.set(path, turn);
  await prev;
  try {
    const fh = await open(path, 'a+', 0o600);
    try {
      await flock(fh.fd, mode);
      const next = new Map(mine ?? []);
      next.set(path, mode);
      return await context.run(next, fn);
    } finally {
      await fh.close(); // closing the descriptor releases the flock
    }
  } finally {
    release();
    if (queues.get(path) === turn) queues.delete(path);
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
