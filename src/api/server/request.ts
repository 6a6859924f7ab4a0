// One API request as a handler sees it: the path's parameters, the query with Docker's parsing
// rules (booleans, integers, filters), the API version the client asked for, and the body read
// once, with a size limit, as JSON validated at this edge.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.ts';

/** What a JSON body may weigh: HostConfig and friends are small; tars come as streams, not JSON. */
const JSON_LIMIT = 8 << 20;

export interface ApiRequest {
  method: string;
  /** The path without its /vX.YY prefix. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The API version the request speaks (the prefix's, or the server's current one). */
  version: ApiVersion;
  headers: IncomingHttpHeaders;
  /** The body as bytes arrive (a tar for load, build, archive PUT). */
  body: Readable;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** An API version as "1.44", compared numerically (1.9 < 1.44). */
export class ApiVersion {
  readonly text: string;
  private readonly minor: number;

  constructor(text: string) {
    const m = /^1\.(\d{1,3})$/.exec(text);
    if (!m) throw invalidArgument(`invalid API version ${JSON.stringify(text)}`);
    this.text = text;
    this.minor = Number(m[1]);
  }

  atLeast(other: string): boolean {
    return this.minor >= new ApiVersion(other).minor;
  }

  below(other: string): boolean {
    return !this.atLeast(other);
  }
}

/** Docker's boolValue: absent, "", "0", "no", "false" and "none" are false; anything else is true. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

/** An integer query parameter; absent or empty gives `fallback`, anything else not an integer is a 400. */
export function queryInt(q: URLSearchParams, name: string, fallback?: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  if (!/^-?\d+$/.test(v)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(v)}: not an integer`);
  return Number(v);
}

/**
 * `filters`: {"key":["v1","v2"]}, or the older {"key":{"v1":true}} form that clients before API
 * 1.22 (and some SDKs) still send.
 */
export function queryFilters(q: URLSearchParams, name = 'filters'): Record<string, string[]> {
  const raw = q.get(name);
  if (raw === null || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`invalid filter: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidArgument('invalid filter: expected a JSON object');
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
    else if (typeof v === 'object' && v !== null) out[k] = Object.entries(v).filter(([, on]) => on === true).map(([x]) => x);
    else throw invalidArgument(`invalid filter: the value of ${JSON.stringify(k)} must be a list of strings`);
  }
  return out;
}

/**
 * The whole body as bytes, refusing more than `limit`: a 413, with the rest left unread (the
 * connection closes after the answer) rather than a reset the client cannot tell from a crash.
 */
export async function readBody(req: ApiRequest, limit = JSON_LIMIT): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.body.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        stop();
        req.body.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      stop();
      reject(err);
    };
    req.body.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function tooLarge(limit: number): Error {
  return Object.assign(invalidArgument(`request body too large: the limit is ${limit} bytes`), { status: 413, closeConnection: true });
}

/** The body as JSON; an empty body is `undefined`. Malformed JSON is a 400 with the parser's words. */
export async function readJson(req: ApiRequest): Promise<unknown> {
  const bytes = await readBody(req);
  const text = bytes.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid JSON in the request body: ${(err as Error).message}`);
  }
}
