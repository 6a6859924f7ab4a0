// `top`: the processes of a running container, as `ps` shows them on the host (Docker's way:
// run ps with the user's options, keep the rows whose PID is in the container's cgroup).
import { BerthError, invalidArgument } from '../errdefs/index.ts';
import { cgroupDirs, cgroupPids, processesDir } from '../runtime/index.ts';
import { childProcess } from '../sys/index.ts';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** `cgroupsPath` is the spec's cgroupsPath (`/berth/<id>`); `psArgs` as `docker top` passes them (default `-ef`). */
export async function containerTop(cgroupsPath: string, psArgs: string): Promise<TopResult> {
  if (psArgs === '') psArgs = '-ef';
  validatePsArgs(psArgs);
  const dir = processesDir(cgroupDirs(cgroupsPath));
  const pids = dir === undefined ? [] : await cgroupPids(dir);
  const args = psArgs.split(' ').filter(Boolean);
  // `-q` lists just these PIDs (quick for a busy host); some options (forest `f`) refuse it, so retry without.
  let out = pids.length > 0 ? await ps([...args, `-q${pids.join(',')}`]).catch(() => undefined) : undefined;
  if (out === undefined) {
    try {
      out = await ps(args);
    } catch (err) {
      throw new BerthError('Internal', `Error running ps: ${(err as Error).message}`);
    }
  }
  return parsePsOutput(out, new Set(pids));
}

/** Docker refuses `-o user=PID` and the like: a column titled PID that is not the PID would fool the filter. */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+(\S*)=\s*(PID\S*)/g)) {
    if (m[1] !== 'pid') throw invalidArgument(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/** Runs ps; a failure carries the first line of its stderr, which says why. */
function ps(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    childProcess().execFile('ps', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = stderr.split('\n')[0]?.trim();
      reject(new Error(why || err.message));
    });
  });
}

/** Go's strings.Fields on ASCII whitespace only, as Docker splits ps output (a command may hold other spaces). */
function fields(line: string): string[] {
  return line.split(/[ \t\n\v\f\r]+/).filter(Boolean);
}

/**
 * The header's titles and the rows of the container's PIDs. A row's fields past the last title
 * join into its last column (the command line). Thread rows (`-L`, `m`) have "-" for PID and
 * belong to the process row above them.
 */
export function parsePsOutput(output: string, pids: ReadonlySet<number>): TopResult {
  const lines = output.split('\n');
  const titles = fields(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex === -1) throw new BerthError('Internal', "Couldn't find PID field in ps output");
  const processes: string[][] = [];
  let lastKept = false;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const f = fields(line);
    const pid = f[pidIndex];
    if (pid === undefined) continue;
    if (pid === '-') {
      if (lastKept) processes.push(row(f, titles.length));
      continue;
    }
    if (!/^\d+$/.test(pid)) throw new BerthError('Internal', `Unexpected pid '${pid}': invalid syntax`);
    lastKept = pids.has(Number(pid));
    if (lastKept) processes.push(row(f, titles.length));
  }
  return { Titles: titles, Processes: processes };
}

function row(f: string[], columns: number): string[] {
  return [...f.slice(0, columns - 1), f.slice(columns - 1).join(' ')];
}
