// A berth daemon for end-to-end tests: its own root (with the busybox fixture imported), its own
// socket, and the docker CLI pointed at it with a config directory of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { berthBin, rootWithBusybox, run, type RunResult } from './helpers.ts';

export interface TestDaemon {
  root: string;
  socket: string;
  /** Environment for clients: DOCKER_HOST and a private DOCKER_CONFIG. */
  env: Record<string, string>;
  /** Runs the docker CLI against the daemon. */
  docker(args: string[], opts?: { input?: Buffer | string; env?: Record<string, string> }): Promise<RunResult>;
  /** What the daemon wrote on stderr so far. */
  log(): string;
  /** Stops the daemon (SIGTERM), leaving containers as they are. */
  stop(): Promise<void>;
  /** Stops the daemon, removes every container, and removes the root. */
  cleanup(): Promise<void>;
}

/** The docker CLI the tests drive: the one on PATH. */
export const dockerCli = 'docker';

/** A daemon on a new root with busybox:latest; or, with `root`, on that root (whose owner cleans it up). */
export async function startDaemon(opts: { args?: string[]; root?: string } = {}): Promise<TestDaemon> {
  const { root, cleanup } = opts.root ? { root: opts.root, cleanup: async () => undefined } : await rootWithBusybox();
  const dir = join(root, '..');
  const socket = join(dir, opts.root ? `berth-${process.hrtime.bigint()}.sock` : 'berth.sock');
  const dockerConfig = join(dir, 'docker-config');
  await mkdir(dockerConfig, { recursive: true });
  let child: ChildProcess | undefined;
  let stderr = '';
  const launch = async (): Promise<void> => {
    child = spawn(berthBin, ['--root', root, 'daemon', '-H', `unix://${socket}`, '--config-file', '/dev/null', ...(opts.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    for (let i = 0; i < 200 && !/API listening/.test(stderr); i++) {
      if (child.exitCode !== null) throw new Error(`berth daemon exited with ${child.exitCode}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!existsSync(socket)) throw new Error(`berth daemon did not listen on ${socket}: ${stderr}`);
  };
  await launch();
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfig };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  return {
    root,
    socket,
    env,
    docker: (args, o = {}) => run(dockerCli, args, { input: o.input, env: { ...env, ...o.env } }),
    log: () => stderr,
    stop,
    cleanup: async () => {
      await stop();
      await cleanup();
    },
  };
}
