// A process exec'd into a running container, with its streams as callbacks: conmon runs it (one
// conmon per exec, as Podman does), so the caller — the CLI on its stdio, the daemon on an HTTP
// connection — gets the output, feeds stdin, resizes the terminal and learns the exit code the
// same way, without a Node.js process holding a pty or waiting on the runtime.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../errdefs/index.ts';
import type { ContainerRecord } from '../meta/index.ts';
import {
  AttachSession, execProcess, findExecutable, hostCapabilities, prepareConmonExec, resizeConmonTerminal, resolveUser,
  type OciRuntime, type ResolvedUser, type SpecProcess,
} from '../runtime/index.ts';
import type { ExecOptions, ExecSession, ExecStreams } from './types.ts';

export interface ExecTarget {
  rec: ContainerRecord;
  /** The container's directory (its bundle). */
  dir: string;
  /** The container's root filesystem, mounted (users are looked up in its /etc/passwd). */
  rootfs: string;
  runtime: OciRuntime;
}

/**
 * Starts the process and returns once it runs. With `streams`, its output is connected before it
 * starts, so none is lost; stdin is fed through the session when `opts.interactive`.
 */
export async function execInContainer(t: ExecTarget, o: ExecOptions, streams?: ExecStreams): Promise<ExecSession> {
  const spec = JSON.parse(await readFile(join(t.dir, 'config.json'), 'utf8')) as { process: SpecProcess };
  const tty = o.tty === true;
  const proc = execProcess(spec.process, {
    args: o.cmd,
    env: o.env ?? [],
    cwd: o.workdir,
    user: execUser(t, o.user),
    terminal: tty,
    consoleSize: o.size,
    capabilities: o.privileged ? hostCapabilities() : undefined,
  });
  const sessionId = randomBytes(8).toString('hex');
  const dir = join(t.dir, 'exec', sessionId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const processFile = join(dir, 'process.json');
  await writeFile(processFile, JSON.stringify(proc));
  let conmon;
  try {
    conmon = await prepareConmonExec({
      conmon: findExecutable('conmon') ?? 'conmon',
      runtime: t.runtime,
      containerId: t.rec.Id,
      sessionId,
      dir,
      processFile,
      stdin: o.interactive === true,
      tty,
      // The session's directory goes with the process: nobody needs to be there to remove it.
      exitCommand: ['/bin/rm', '-rf', dir],
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let attach: AttachSession | undefined;
  try {
    if (streams) attach = new AttachSession(dir, { stdout: (d) => streams.stdout?.(d), stderr: (d) => streams.stderr?.(d) });
  } catch (err) {
    conmon.cancel();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let pid: number;
  try {
    pid = await conmon.start();
  } catch (err) {
    await attach?.close();
    await rm(dir, { recursive: true, force: true });
    throw err instanceof BerthError ? execError(err.message) : err;
  }
  if (o.detach) conmon.unref();
  const finished = attach?.finished ?? Promise.resolve();
  return {
    pid,
    writeStdin: (data) => attach?.writeStdin(data) ?? Promise.resolve(),
    endStdin: () => attach?.endStdin() ?? Promise.resolve(),
    resize: (size) => (tty ? resizeConmonTerminal(dir, size) : Promise.resolve()),
    finished,
    // Output first: conmon closes the socket once it has sent the last of it, then reports the exit.
    exitCode: Promise.all([finished, conmon.exited]).then(([, code]) => code),
    close: async () => {
      conmon.unref(); // nobody follows it now: its end keeps no event loop alive
      await attach?.close();
    },
  };
}

/** The exec's user as the container's files name it (Docker's error when they do not); none: the container's own. */
export function execUser(t: ExecTarget, user: string | undefined): ResolvedUser | undefined {
  return user ? resolveUser(t.rootfs, user, t.rec.HostConfig.GroupAdd ?? []) : undefined;
}

/** Docker's exec failures: 127 when the command is not found, 126 when it cannot be run. */
function execError(message: string): BerthError {
  const text = `OCI runtime exec failed: ${message}: unknown`;
  if (/executable file not found|no such file or directory/i.test(message)) return new BerthError('InvalidArgument', text, { exitStatus: 127 });
  if (/permission denied|is a directory/i.test(message)) return new BerthError('InvalidArgument', text, { exitStatus: 126 });
  return new BerthError('Internal', text, { exitStatus: 126 });
}
