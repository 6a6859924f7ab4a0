// One error class for all of berth (containerd's errdefs idea): a kind that each edge maps to its
// own form (CLI exit code 125 + one line; API HTTP status + {"message": ...}), and a message that
// already says what, where and why, so no edge ever matches on strings.

export type ErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidArgument'
  | 'Conflict'
  | 'FailedPrecondition'
  | 'Unauthorized'
  | 'Unavailable'
  | 'Internal';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  /** What the error is about (an image reference, a container name, a path), when there is one. */
  readonly subject: string | undefined;
  /** The exit status Docker's CLI gives this failure when it is not 125 (126: cannot invoke, 127: not found). */
  readonly exitStatus: number | undefined;

  constructor(kind: ErrorKind, message: string, options?: { subject?: string; cause?: unknown; exitStatus?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.kind = kind;
    this.subject = options?.subject;
    this.exitStatus = options?.exitStatus;
  }
}

export const notFound = (message: string, subject?: string): BerthError => new BerthError('NotFound', message, { subject });
export const alreadyExists = (message: string, subject?: string): BerthError => new BerthError('AlreadyExists', message, { subject });
export const invalidArgument = (message: string, subject?: string): BerthError => new BerthError('InvalidArgument', message, { subject });
export const conflict = (message: string, subject?: string): BerthError => new BerthError('Conflict', message, { subject });
export const failedPrecondition = (message: string, subject?: string): BerthError => new BerthError('FailedPrecondition', message, { subject });
export const unavailable = (message: string, subject?: string): BerthError => new BerthError('Unavailable', message, { subject });
export const internal = (message: string, cause?: unknown): BerthError => new BerthError('Internal', message, { cause });

export function isKind(err: unknown, kind: ErrorKind): err is BerthError {
  return err instanceof BerthError && err.kind === kind;
}

/** The errno code of a Node.js system error (ENOENT, EEXIST, ...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
