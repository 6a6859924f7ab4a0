// The daemon's configuration file (/etc/berth/daemon.json or --config-file), with the keys dockerd
// users know, merged with the command line as dockerd merges them: a setting given both as a flag
// and in the file is an error, an unknown key is an error, a value of the wrong type is an error.
import { readFileSync } from 'node:fs';
import { validateMirror } from '../../engine/index.ts';
import { errnoCode, invalidArgument } from '../../errdefs/index.ts';

export interface DaemonConfig {
  hosts?: string[];
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
  'insecure-registries'?: string[];
  'registry-mirrors'?: string[];
  'default-ulimits'?: Record<string, { Name: string; Soft: number; Hard: number }>;
  'log-driver'?: string;
  'log-opts'?: Record<string, string>;
  'data-root'?: string;
  debug?: boolean;
  'log-level'?: string;
  group?: string;
}

type Kind = 'string' | 'bool' | 'strings' | 'stringMap' | 'ulimits';

const KEYS: Record<keyof DaemonConfig, Kind> = {
  hosts: 'strings',
  tls: 'bool',
  tlsverify: 'bool',
  tlscacert: 'string',
  tlscert: 'string',
  tlskey: 'string',
  'insecure-registries': 'strings',
  'registry-mirrors': 'strings',
  'default-ulimits': 'ulimits',
  'log-driver': 'string',
  'log-opts': 'stringMap',
  'data-root': 'string',
  debug: 'bool',
  'log-level': 'string',
  group: 'string',
};

export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'stringMap':
      return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
    case 'ulimits':
      return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((u) => typeof u === 'object' && u !== null && typeof (u as { Soft?: unknown }).Soft === 'number' && typeof (u as { Hard?: unknown }).Hard === 'number');
  }
}

/**
 * The file's settings merged with the flags given on the command line (`flags` holds only those).
 * The default file may be absent; a file named with --config-file must exist.
 */
export function loadDaemonConfig(file: string, flags: DaemonConfig, fileMustExist: boolean): DaemonConfig {
  const config = mergedConfig(file, flags, fileMustExist);
  // dockerd refuses a bad mirror at start, and keeps (and shows) each as a URL ending in '/'.
  if (config['registry-mirrors']) config['registry-mirrors'] = config['registry-mirrors'].map(validateMirror);
  return config;
}

function mergedConfig(file: string, flags: DaemonConfig, fileMustExist: boolean): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && !fileMustExist) return { ...flags };
    throw invalidArgument(`unable to configure the daemon with file ${file}: ${(err as Error).message}`);
  }
  const fail = (why: string): Error => invalidArgument(`unable to configure the daemon with file ${file}: ${why}`);
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail('the file must hold a JSON object');
  const unknown = Object.keys(doc).filter((k) => !(k in KEYS));
  if (unknown.length > 0) throw fail(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  for (const [k, v] of Object.entries(doc)) {
    const kind = KEYS[k as keyof DaemonConfig];
    if (!fits(kind, v)) throw fail(`the value of "${k}" must be ${kind === 'strings' ? 'a list of strings' : kind === 'bool' ? 'true or false' : kind === 'string' ? 'a string' : 'an object'}`);
  }
  const fromFile = doc as DaemonConfig;
  const both = (Object.keys(flags) as (keyof DaemonConfig)[]).filter((k) => flags[k] !== undefined && fromFile[k] !== undefined);
  if (both.length > 0) {
    const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(' ')}]` : String(v));
    throw fail(`the following directives are specified both as a flag and in the configuration file: ${both.map((k) => `${k}: (from flag: ${show(flags[k])}, from file: ${show(fromFile[k])})`).join(', ')}`);
  }
  return { ...fromFile, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
}
