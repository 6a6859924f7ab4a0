// Errno numbers to Node-style errors (code, errno, syscall, path), so callers handle libc failures
// exactly as they handle those of node:fs.
import { constants } from 'node:os';

const names = new Map<number, string>(Object.entries(constants.errno).map(([name, num]) => [num, name]));

export function errnoException(errno: number, syscall: string, path?: string): NodeJS.ErrnoException {
  const code = names.get(errno) ?? `E${errno}`;
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} failed${path === undefined ? '' : ` on '${path}'`} (errno ${errno})`);
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
}

/** makedev(3) for Linux: major/minor into a dev_t. */
export function makeDev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}
