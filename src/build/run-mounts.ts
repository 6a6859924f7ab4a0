// RUN --mount: what each mount type means for the working container. `bind` shows context files
// (or another stage's, or an image's) read-only by default; `cache` is a directory kept between
// builds; `tmpfs` is memory; `secret` is a file given with `--secret` that never reaches a layer,
// the cache key or the history.
import { chmodSync, chownSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { invalidArgument, notFound } from '../errdefs/index.ts';
import type { MountSpec as ContainerMount } from '../meta/index.ts';
import type { MountSpec } from './syntax.ts';

export type { ContainerMount };

export interface RunMount {
  type: 'bind' | 'cache' | 'tmpfs' | 'secret';
  target: string;
  /** bind: the path in the context (or in `from`); secret: unused. */
  source: string;
  /** bind/cache: a stage name or index, or an image. */
  from?: string;
  readOnly: boolean;
  /** cache and secret ids. */
  id?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** tmpfs size in bytes. */
  size?: number;
  /** secret: fail when it was not given (BuildKit's default: no). */
  required: boolean;
}

const ALIASES: Record<string, string> = { src: 'source', dst: 'target', destination: 'target', readonly: 'ro', readwrite: 'rw' };

function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (v === '' || v === 'true') return true;
  if (v === 'false') return false;
  throw invalidArgument(`invalid boolean value ${JSON.stringify(v)} in --mount`);
}

function octal(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-7]{1,4}$/.test(v)) throw invalidArgument(`invalid mode ${JSON.stringify(v)} in --mount: octal digits expected`);
  return parseInt(v, 8);
}

function integer(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw invalidArgument(`invalid ${what} ${JSON.stringify(v)} in --mount`);
  return Number(v);
}

function size(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)([kmg]?)b?$/i.exec(v);
  if (!m) throw invalidArgument(`invalid size ${JSON.stringify(v)} in --mount`);
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] as string).toLowerCase() as '' | 'k' | 'm' | 'g'];
}

/** A parsed `--mount` with its values expanded (`x`) and its aliases resolved; `workdir` anchors relative targets. */
export function runMount(spec: MountSpec, x: (s: string) => string, workdir: string): RunMount {
  const o: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec)) o[ALIASES[k] ?? k] = x(v);
  const type = (o.type ?? 'bind') as RunMount['type'] | 'ssh';
  if (type === 'ssh') throw invalidArgument('RUN --mount=type=ssh is not supported by berth builds');
  if (!['bind', 'cache', 'tmpfs', 'secret'].includes(type)) throw invalidArgument(`unsupported mount type ${JSON.stringify(type)}`);
  const rawTarget = o.target ?? (type === 'secret' && o.id ? `/run/secrets/${o.id}` : undefined);
  if (!rawTarget) throw invalidArgument(`--mount=type=${type}: a target is required`);
  const target = posix.resolve(workdir, rawTarget);
  return {
    type,
    target,
    source: o.source ?? '/',
    from: o.from,
    // bind mounts are read-only unless rw; caches writable unless ro.
    readOnly: type === 'bind' ? !bool(o.rw, false) : bool(o.ro, false),
    id: type === 'cache' ? (o.id ?? target) : o.id,
    mode: octal(o.mode),
    uid: integer(o.uid, 'uid'),
    gid: integer(o.gid, 'gid'),
    size: size(o.size),
    required: bool(o.required, false),
  };
}

/**
 * Host directories and files for the mounts that need them; `release()` removes the temporary
 * ones. `bindRoot` is where a bind's source is looked up (the context, or the mounted stage).
 */
export class MountFiles {
  private readonly temporary: string[] = [];

  /** A bind of `source` under `root`; a writable one gets a copy, so the writes go nowhere (BuildKit's rw). */
  bind(m: RunMount, root: string): ContainerMount {
    const path = join(root, posix.normalize(`/${m.source}`));
    if (relative(root, path).startsWith('..')) throw invalidArgument(`--mount source ${m.source} leaves its root`);
    try {
      statSync(path);
    } catch {
      throw notFound(`failed to compute cache key: "${posix.normalize(`/${m.source}`)}": not found`, m.source);
    }
    if (m.readOnly) return { Type: 'bind', Source: path, Target: m.target, ReadOnly: true };
    const copy = mkdtempSync(join(tmpdir(), 'berth-build-bind-'));
    this.temporary.push(copy);
    cpSync(path, join(copy, 'src'), { recursive: true, verbatimSymlinks: true });
    return { Type: 'bind', Source: join(copy, 'src'), Target: m.target, ReadOnly: false };
  }

  /** A secret from `--secret`: copied to a private file with the mount's mode and owner. */
  secret(m: RunMount, secrets: Record<string, string>): ContainerMount | undefined {
    const id = m.id ?? posix.basename(m.target);
    const src = secrets[id];
    if (src === undefined) {
      if (m.required) throw invalidArgument(`secret ${id} not found: give it with --secret id=${id},src=FILE`);
      return undefined;
    }
    const dir = mkdtempSync(join(tmpdir(), 'berth-build-secret-'));
    this.temporary.push(dir);
    const file = join(dir, 'secret');
    let content: Buffer;
    try {
      content = readFileSync(src);
    } catch (err) {
      throw invalidArgument(`secret ${id}: cannot read ${src}: ${(err as Error).message}`);
    }
    writeFileSync(file, content, { mode: 0o600 });
    chownSync(file, m.uid ?? 0, m.gid ?? 0);
    chmodSync(file, m.mode ?? 0o400);
    return { Type: 'bind', Source: file, Target: m.target, ReadOnly: true };
  }

  release(): void {
    for (const p of this.temporary.splice(0)) rmSync(p, { recursive: true, force: true });
  }
}
