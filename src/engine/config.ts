// berth's configuration file: JSON at $BERTH_CONFIG, else /etc/berth/config.json. Optional; what
// it does not say takes the default. Validated here, at the edge.
import { readFileSync } from 'node:fs';
import { errnoCode, invalidArgument } from '../errdefs/index.ts';
import { validateMirrors } from './mirrors.ts';

export interface BerthConfig {
  /** The OCI runtime for new containers: a name on PATH (runc, crun) or a path. Default: detected. */
  runtime?: string;
  /** The snapshotter for new containers: overlay2, or vfs (a full copy each). Default: overlay2 where it works. */
  snapshotter?: string;
  /** Registries (host:port or CIDR) reached without TLS verification, then plain HTTP (Docker's daemon.json key). */
  'insecure-registries'?: string[];
  /** Docker Hub mirrors (http(s) URLs) a pull tries in order before the Hub (Docker's daemon.json key). */
  'registry-mirrors'?: string[];
}

export function loadConfig(path = process.env.BERTH_CONFIG ?? '/etc/berth/config.json'): BerthConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw err;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`config file ${path}: not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(`config file ${path}: not a JSON object`);
  const c = v as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (k === 'insecure-registries') {
      const list = c[k];
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '')) throw invalidArgument(`config file ${path}: "${k}" must be a list of host:port or CIDR strings`);
      continue;
    }
    if (k === 'registry-mirrors') {
      c[k] = validateMirrors(c[k], `config file ${path}`);
      continue;
    }
    if (k !== 'runtime' && k !== 'snapshotter') throw invalidArgument(`config file ${path}: unknown setting "${k}"`);
    if (typeof c[k] !== 'string' || c[k] === '') throw invalidArgument(`config file ${path}: "${k}" must be a non-empty string`);
  }
  return c as BerthConfig;
}
