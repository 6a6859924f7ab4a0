// The OCI runtime's command line (runc and crun share it): one method per verb. Container state
// lives under a state directory of berth's own root, so two berth roots never see each other's
// containers.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errdefs/index.ts';
import type { RuntimeChoice } from './detect.ts';
import { childProcess } from '../sys/index.ts';

export interface RuntimeState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
}

export class OciRuntime {
  readonly name: string;
  readonly path: string;
  readonly stateDir: string;

  constructor(choice: RuntimeChoice, stateDir: string) {
    this.name = choice.name;
    this.path = choice.path;
    this.stateDir = stateDir;
  }

  /** Arguments that go before every verb (conmon passes them too, with --runtime-arg). */
  get globalArgs(): string[] {
    return ['--root', this.stateDir];
  }

  start(id: string): Promise<void> {
    return this.run(['start', id]).then(() => undefined);
  }

  kill(id: string, signal: string | number, all = false): Promise<void> {
    return this.run(['kill', ...(all ? ['--all'] : []), id, String(signal)]).then(() => undefined);
  }

  /** Whether the runtime keeps state for `id` (runc and crun keep a directory per container). */
  has(id: string): boolean {
    return existsSync(join(this.stateDir, id));
  }

  /** Nothing to do when the runtime has no state for it: saves starting the runtime (~10 ms). */
  delete(id: string, force = false): Promise<void> {
    if (!this.has(id)) return Promise.resolve();
    return this.run(['delete', ...(force ? ['--force'] : []), id]).then(() => undefined);
  }

  pause(id: string): Promise<void> {
    return this.run(['pause', id]).then(() => undefined);
  }

  resume(id: string): Promise<void> {
    return this.run(['resume', id]).then(() => undefined);
  }

  /** Changes a running container's cgroup limits; `resourcesFile` holds the spec's linux.resources. */
  update(id: string, resourcesFile: string): Promise<void> {
    return this.run(['update', '--resources', resourcesFile, id]).then(() => undefined);
  }

  /** The argv of `exec` (run by the caller, which owns the process's stdio). */
  execArgs(id: string, processFile: string, opts: { detach?: boolean; tty?: boolean; pidFile?: string }): string[] {
    return [
      ...this.globalArgs, 'exec', '--process', processFile,
      ...(opts.detach ? ['--detach'] : []),
      ...(opts.pidFile ? ['--pid-file', opts.pidFile] : []),
      id,
    ];
  }

  /** The runtime's view of a container, or undefined when it does not know it. */
  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      return JSON.parse(await this.run(['state', id])) as RuntimeState;
    } catch (err) {
      if (err instanceof BerthError && /does not exist|not found|No such file/i.test(err.message)) return undefined;
      throw err;
    }
  }

  private run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      childProcess().execFile(this.path, [...this.globalArgs, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(new BerthError('Internal', `${this.name} ${args[0] ?? ''}: ${runtimeMessage(stderr) || err.message}`));
      });
    });
  }
}

/** runc logs `time=… level=error msg="…"`; crun prints plain text. Keep the message. */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const msgs = lines.map((l) => {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(l);
    return m ? (m[1] as string).replace(/\\"/g, '"').replace(/\\\\/g, '\\') : l;
  });
  return msgs.join('; ');
}
