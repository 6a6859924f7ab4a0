// A registry's error answer (`{"errors":[{"code","message","detail"}]}`, distribution-spec) turned
// into a BerthError whose kind follows the HTTP status and whose text reads as Docker's:
// "manifest unknown: manifest unknown", "unauthorized: authentication required".
import { BerthError, type ErrorKind } from '../../errdefs/index.ts';
import { readBody, type HttpResponse } from './http.ts';

export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'Unauthorized';
  if (status === 404) return 'NotFound';
  if (status === 400 || status === 405 || status === 413 || status === 416) return 'InvalidArgument';
  if (status === 409) return 'Conflict';
  return 'Unavailable';
}

/** The error texts in a registry's body, or the status line when it has none. */
export function describeErrorBody(status: number, body: Buffer): string {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: unknown; details?: unknown; error?: unknown };
    if (Array.isArray(doc.errors) && doc.errors.length > 0) {
      return doc.errors
        .map((e: { code?: unknown; message?: unknown }) => {
          const code = typeof e.code === 'string' ? e.code.toLowerCase().replace(/_/g, ' ') : 'unknown';
          return typeof e.message === 'string' && e.message !== '' ? `${code}: ${e.message}` : code;
        })
        .join('; ');
    }
    if (typeof doc.details === 'string') return doc.details; // token servers answer {"details": ...}
    if (typeof doc.error === 'string') return doc.error;
  } catch {
    // not JSON: fall through to the status line
  }
  // A HEAD answer has no body: the distribution error for its status says what happened.
  if (body.length === 0 && status === 401) return 'unauthorized: authentication required';
  if (body.length === 0 && status === 403) return 'denied: requested access to the resource is denied';
  const text = body.toString('utf8').trim();
  return text && text.length < 200 && !text.startsWith('<') ? `${statusText(status)}: ${text}` : statusText(status);
}

function statusText(status: number): string {
  const names: Record<number, string> = { 400: 'bad request', 401: 'unauthorized', 403: 'denied', 404: 'not found', 405: 'unsupported', 429: 'too many requests', 500: 'internal server error', 502: 'bad gateway', 503: 'service unavailable', 504: 'gateway timeout' };
  return `${names[status] ?? 'unexpected status'} (HTTP ${status})`;
}

/** Reads a failed response's body and makes the error: `context: what the registry said`. */
export async function registryError(res: HttpResponse, context: string): Promise<BerthError> {
  const body = await readBody(res, 1 << 20).catch(() => Buffer.alloc(0));
  const err = new BerthError(kindForStatus(res.status), `${context}: ${describeErrorBody(res.status, body)}`);
  return Object.assign(err, { status: res.status });
}

/** True for an answer worth retrying: the server's trouble, not the request's. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Connection failures worth retrying (reset, refused mid-pull, timeouts, a truncated body). */
export function retryableError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  return ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'].includes(code) || (err instanceof Error && /aborted|socket hang up/i.test(err.message));
}
