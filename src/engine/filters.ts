// Docker's image filters: dangling, reference (glob), before/since (another image), label, and for
// prune, until (a duration or timestamp).
import { invalidArgument } from '../errdefs/index.ts';
import type { ImageRecord, ImagesDocument } from '../meta/index.ts';
import { familiarName } from '../image/index.ts';
import { resolveImage } from './resolve.ts';


export interface ImageFilters {
  dangling?: boolean;
  reference: string[];
  before?: string;
  since?: string;
  label: string[];
  until?: number;
}

const LIST_KEYS = new Set(['dangling', 'reference', 'before', 'since', 'label']);
const PRUNE_KEYS = new Set(['dangling', 'label', 'until', 'label!']);

/** Parses `--filter key=value` flags into the API's map form. */
export function filterFlags(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw invalidArgument(`bad format of filter (expected name=value)`);
    (out[v.slice(0, eq).trim().toLowerCase()] ??= []).push(v.slice(eq + 1));
  }
  return out;
}

export function parseImageFilters(raw: Record<string, string[]>, prune = false): ImageFilters {
  const keys = prune ? PRUNE_KEYS : LIST_KEYS;
  const f: ImageFilters = { reference: [], label: [] };
  for (const [k, vs] of Object.entries(raw)) {
    if (!keys.has(k)) throw invalidArgument(`invalid filter '${k}'`);
    for (const v of vs) {
      switch (k) {
        case 'dangling':
          if (!['true', 'false', '1', '0'].includes(v.toLowerCase())) throw invalidArgument(`invalid filter 'dangling=${v}'`);
          f.dangling = v === 'true' || v === '1';
          break;
        case 'reference':
          f.reference.push(v);
          break;
        case 'before':
          f.before = v;
          break;
        case 'since':
          f.since = v;
          break;
        case 'label':
          f.label.push(v);
          break;
        case 'until':
          f.until = parseUntil(v);
          break;
      }
    }
  }
  return f;
}

/** `until=` as Docker takes it: a duration before now, Unix seconds, or a timestamp. Returns ms since the epoch. */
export function parseUntil(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (m) {
    const unit = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ns'];
    return Date.now() - Number(m[1]) * unit;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${v}': not a duration or timestamp`);
  return t;
}

export function matchImageFilters(f: ImageFilters, rec: ImageRecord, labels: Record<string, string>, doc: ImagesDocument): boolean {
  if (f.dangling !== undefined && (rec.names.length === 0) !== f.dangling) return false;
  if (f.reference.length > 0 && ![...rec.names, ...rec.digests].some((n) => matchesReference(f, n))) return false;
  const created = Date.parse(rec.created || rec.added);
  if (f.before !== undefined && !(created < Date.parse(resolveImage(doc, f.before).image.created))) return false;
  if (f.since !== undefined && !(created > Date.parse(resolveImage(doc, f.since).image.created))) return false;
  if (f.until !== undefined && !(created < f.until)) return false;
  return f.label.every((l) => matchLabel(labels, l));
}

/** A `label=` filter: `key` (present) or `key=value`. */
export function matchLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq === -1 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Docker's FamiliarMatch: the pattern against the familiar reference, or against its name alone. */
export function matchesReference(f: ImageFilters, name: string): boolean {
  if (f.reference.length === 0) return true;
  const familiar = familiarName(name);
  const bare = familiar.replace(/(@sha256:[0-9a-f]+|:[^:/]+)$/, '');
  return f.reference.some((pattern) => globMatch(pattern, familiar) || globMatch(pattern, bare));
}

/** Go's path.Match: `*` and `?` do not cross `/`; `[...]` classes. */
export function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i] as string}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(name);
}
