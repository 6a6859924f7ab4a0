// The distribution-spec's names, its error codes with their HTTP statuses, and the error body
// (`{"errors":[{"code","message","detail"}]}`) every failure carries.
import type { ServerResponse } from 'node:http';

/** The spec's repository name: path components of lowercase alphanumerics and separators. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export const validName = (s: string): boolean => s.length <= 255 && NAME.test(s);
export const validTag = (s: string): boolean => TAG.test(s);
/** The general digest grammar (any algorithm). */
export const digestShaped = (s: string): boolean => DIGEST.test(s);
/** The one algorithm berth stores: sha256 with 64 lowercase hex digits. */
export const validSha256 = (s: string): boolean => /^sha256:[a-f0-9]{64}$/.test(s);

export const ErrorCode = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  UNKNOWN: 500,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

const MESSAGES: Record<ErrorCodeName, string> = {
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  MANIFEST_BLOB_UNKNOWN: 'manifest references a manifest or blob unknown to registry',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository name not known to registry',
  SIZE_INVALID: 'provided length did not match content length',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'The operation is unsupported.',
  TOOMANYREQUESTS: 'too many requests',
  UNKNOWN: 'unknown error',
};

/** A failure that becomes the spec's error answer. */
export class ApiError extends Error {
  readonly code: ErrorCodeName;
  readonly status: number;
  readonly detail: unknown;

  constructor(code: ErrorCodeName, detail?: unknown, status?: number) {
    super(MESSAGES[code]);
    this.code = code;
    this.status = status ?? ErrorCode[code];
    this.detail = detail;
  }
}

export function sendError(res: ServerResponse, err: ApiError, method: string): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code: err.code, message: err.message, detail: err.detail ?? null }] }));
  res.writeHead(err.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(method === 'HEAD' ? undefined : body);
}
