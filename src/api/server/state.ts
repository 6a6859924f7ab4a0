// What the daemon keeps between requests. Each route module keeps its own piece (exec instances,
// attach sessions waiting for a start) in a slot of its own, so modules stay apart.
import type { DaemonConfig } from './daemon-config.ts';

export interface DaemonInfo {
  /** berth's --root. */
  root: string;
  version: string;
  /** The daemon's configuration as loaded (daemon.json merged with flags). */
  config: DaemonConfig;
}

export class DaemonState {
  readonly startedAt = new Date();
  readonly info: DaemonInfo;
  private readonly slots = new Map<string, unknown>();

  constructor(info: DaemonInfo) {
    this.info = info;
  }

  /** A route module's own state, made on first use. */
  slot<T>(key: string, make: () => T): T {
    let v = this.slots.get(key) as T | undefined;
    if (v === undefined) {
      v = make();
      this.slots.set(key, v);
    }
    return v;
  }
}
