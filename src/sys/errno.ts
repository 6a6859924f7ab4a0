// Errno numbers to Node-style errors (code, errno, syscall, path), so callers handle libc failures
// exactly as they handle those of node:fs.
import { constants } from 'node:os';
import * as util from 'node:util';

const names = new Map<number, string>(Object.entries(constants.errno).map(([name, num]) => [num, name]));

export function errnoException(errno: number, syscall: string, path?: string): NodeJS.ErrnoException {
  const code = names.get(errno) ?? `E${errno}`;
  // As node:fs words them: "ENOSPC: no space left on device, write" (getSystemErrorMessage is Node >= 22.12).
  const text = (util as { getSystemErrorMessage?: (n: number) => string }).getSystemErrorMessage?.(-errno) ?? `errno ${errno}`;
  const err: NodeJS.ErrnoException = new Error(`${code}: ${text}, ${syscall}${path === undefined ? '' : ` '${path}'`}`);
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
