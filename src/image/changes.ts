// `--change` instructions (import, commit): the Dockerfile instructions that only change the image
// config — CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR — applied
// to a config's `config` object as Docker applies them.
import { invalidArgument } from '../errdefs/index.ts';

export type ContainerConfig = Record<string, unknown>;

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const c: ContainerConfig = structuredClone(base);
  for (const change of changes) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(change);
    if (!m) continue;
    const instr = (m[1] as string).toUpperCase();
    const rest = (m[2] as string).trim();
    if (!ALLOWED.includes(instr)) throw invalidArgument(`${m[1] as string} is not a valid change command`);
    switch (instr) {
      case 'CMD':
        c.Cmd = commandForm(rest, instr);
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = commandForm(rest, instr);
        break;
      case 'ENV':
        for (const [k, v] of keyValues(rest, instr)) setEnv(c, k, v);
        break;
      case 'LABEL': {
        const labels = (c.Labels ?? {}) as Record<string, string>;
        for (const [k, v] of keyValues(rest, instr)) labels[k] = v;
        c.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = (c.ExposedPorts ?? {}) as Record<string, object>;
        for (const p of rest.split(/\s+/).filter(Boolean)) {
          const pm = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
          if (!pm) throw invalidArgument(`invalid containerPort: ${p}`);
          const from = Number(pm[1]);
          const to = pm[2] ? Number(pm[2]) : from;
          for (let n = from; n <= to; n++) ports[`${n}/${(pm[3] ?? 'tcp').toLowerCase()}`] = {};
        }
        c.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = (c.Volumes ?? {}) as Record<string, object>;
        const list = rest.startsWith('[') ? jsonArray(rest, instr) : rest.split(/\s+/).filter(Boolean);
        for (const v of list) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      case 'ONBUILD':
        c.OnBuild = [...((c.OnBuild as string[] | null | undefined) ?? []), rest];
        break;
      case 'STOPSIGNAL':
        c.StopSignal = rest;
        break;
      case 'USER':
        c.User = rest;
        break;
      case 'WORKDIR':
        c.WorkingDir = rest.startsWith('/') ? rest : `${((c.WorkingDir as string | undefined) ?? '/').replace(/\/$/, '')}/${rest}`;
        break;
    }
  }
  return c;
}

/** Exec form (`["a","b"]`) as given; shell form wrapped in `/bin/sh -c`. */
function commandForm(rest: string, instr: string): string[] {
  if (rest.startsWith('[')) {
    try {
      return jsonArray(rest, instr);
    } catch {
      // Docker falls back to shell form when the JSON does not parse.
    }
  }
  return ['/bin/sh', '-c', rest];
}

function jsonArray(rest: string, instr: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(rest);
  } catch {
    throw invalidArgument(`${instr}: not a valid JSON array: ${rest}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalidArgument(`${instr}: not a JSON array of strings: ${rest}`);
  return v;
}

/** `k=v k2="v 2"` pairs, or the legacy single `k v` form. */
function keyValues(rest: string, instr: string): [string, string][] {
  if (!/^[^\s=]+=/.test(rest)) {
    const sp = /^(\S+)\s+([\s\S]*)$/.exec(rest);
    if (!sp) throw invalidArgument(`${instr} requires at least one argument`);
    return [[sp[1] as string, sp[2] as string]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s\\]|\\.)*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    let v = m[2] as string;
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (v.startsWith("'")) v = v.slice(1, -1);
    else v = v.replace(/\\(.)/g, '$1');
    out.push([m[1] as string, v]);
  }
  return out;
}

function setEnv(c: ContainerConfig, key: string, value: string): void {
  const env = ((c.Env as string[] | undefined) ?? []).filter((e) => e.split('=', 1)[0] !== key);
  env.push(`${key}=${value}`);
  c.Env = env;
}
