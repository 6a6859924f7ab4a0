// The few system calls Node.js lacks, called in libc through koffi (an FFI shipped with prebuilt
// binaries inside its npm package, so nothing is compiled at install time). Loaded lazily: commands
// that never need a syscall pay nothing for it.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { errnoException, makeDev } from './errno.ts';

export { makeDev };
export { fileChunks, streamChunks, type Chunk } from './chunks.ts';

type Koffi = typeof import('koffi');
interface Libc {
  mknod: (path: string, mode: number, dev: bigint) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer | null, size: number) => number;
  llistxattr: (path: string, list: Buffer | null, size: number) => number;
  mount: (source: string | null, target: string, fstype: string | null, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  flock: (fd: number, op: number) => number;
  socket: (domain: number, type: number, protocol: number) => number;
  connect: (fd: number, addr: Buffer, len: number) => number;
  bind: (fd: number, addr: Buffer, len: number) => number;
  listen: (fd: number, backlog: number) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer, len: number) => number;
  close: (fd: number) => number;
  shutdown: (fd: number, how: number) => number;
  ioctlInt: (fd: number, request: number, out: Buffer) => number;
  ioctlBuf: (fd: number, request: number, arg: Buffer) => number;
  ioctlBufAsync: (fd: number, request: number, arg: Buffer, cb: (err: unknown, res: number) => void) => void;
  unshare: (flags: number) => number;
  setns: (fd: number, nstype: number) => number;
  flockAsync: (fd: number, op: number, cb: (err: unknown, res: number) => void) => void;
  tcgetattr: (fd: number, termios: Buffer) => number;
  tcsetattr: (fd: number, when: number, termios: Buffer) => number;
  cfmakeraw: (termios: Buffer) => void;
  sendfile: (outFd: number, inFd: number, offset: null, count: number) => number;
  errno: () => number;
}

type HttpModules = { http: typeof import('node:http'); https: typeof import('node:https') };
let httpModules: HttpModules | undefined;
const requireHere = createRequire(import.meta.url);

/**
 * node:http and node:https, loaded with require on first use: an ES import of either goes through
 * its ESM facade, which reads every export, WebSocket's lazy getter among them, and so compiles
 * Node's bundled undici (~10 ms of every command that loads the registry or API client).
 */
export function nodeHttp(): HttpModules {
  httpModules ??= { http: requireHere('node:http') as HttpModules['http'], https: requireHere('node:https') as HttpModules['https'] };
  return httpModules;
}

// Built-in modules a command may never need, loaded on first use (require caches them): node:tls
// costs ~5 ms more than node:crypto, node:child_process ~3 ms with node:net and node:dgram,
// node:zlib ~2 ms, each paid at start-up by every command whose modules import them.
export const nodeTls = (): typeof import('node:tls') => requireHere('node:tls') as typeof import('node:tls');
export const childProcess = (): typeof import('node:child_process') => requireHere('node:child_process') as typeof import('node:child_process');
export const nodeZlib = (): typeof import('node:zlib') => requireHere('node:zlib') as typeof import('node:zlib');

let libc: Libc | undefined;
function load(): Libc {
  if (libc) return libc;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  const flock = lib.func('int flock(int fd, int op)');
  const ioctlBuf = lib.func('int ioctl(int fd, unsigned long request, _Inout_ void *arg)');
  libc = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)'),
    llistxattr: lib.func('long llistxattr(const char *path, _Out_ char *list, size_t size)'),
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    flock: flock as Libc['flock'],
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    connect: lib.func('int connect(int fd, const void *addr, uint32_t len)'),
    bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
    listen: lib.func('int listen(int fd, int backlog)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    close: lib.func('int close(int fd)'),
    shutdown: lib.func('int shutdown(int fd, int how)'),
    ioctlInt: lib.func('int ioctl(int fd, unsigned long request, _Out_ void *out)'),
    ioctlBuf,
    ioctlBufAsync: ioctlBuf.async as Libc['ioctlBufAsync'],
    unshare: lib.func('int unshare(int flags)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    flockAsync: flock.async as Libc['flockAsync'],
    tcgetattr: lib.func('int tcgetattr(int fd, _Out_ void *termios)'),
    tcsetattr: lib.func('int tcsetattr(int fd, int when, const void *termios)'),
    cfmakeraw: lib.func('void cfmakeraw(_Inout_ void *termios)'),
    sendfile: lib.func('long sendfile(int out_fd, int in_fd, void *offset, size_t count)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

function check(ret: number, syscall: string, path?: string): number {
  if (ret < 0) throw errnoException(load().errno(), syscall, path);
  return ret;
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** mknod(2): character and block devices, FIFOs. */
export function mknod(path: string, mode: number, dev = 0n): void {
  check(load().mknod(path, mode, dev), 'mknod', path);
}

/** lsetxattr(2): sets an extended attribute on the path itself (not a symlink's target). */
export function lsetxattr(path: string, name: string, value: Buffer): void {
  check(load().lsetxattr(path, name, value, value.length, 0), 'lsetxattr', path);
}

/** lgetxattr(2): the attribute's value, or undefined when the path has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  for (;;) {
    const size = c.lgetxattr(path, name, null, 0);
    if (size < 0) {
      const e = c.errno();
      if (e === ENODATA || e === ENOTSUP) return undefined;
      throw errnoException(e, 'lgetxattr', path);
    }
    const buf = Buffer.alloc(size);
    const got = c.lgetxattr(path, name, buf, size);
    if (got >= 0) return buf.subarray(0, got);
    if (c.errno() !== ERANGE) throw errnoException(c.errno(), 'lgetxattr', path);
  }
}

/** llistxattr(2): the names of the path's extended attributes. */
export function llistxattr(path: string): string[] {
  const c = load();
  for (;;) {
    const size = c.llistxattr(path, null, 0);
    if (size < 0) {
      if (c.errno() === ENOTSUP) return [];
      throw errnoException(c.errno(), 'llistxattr', path);
    }
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const got = c.llistxattr(path, buf, size);
    if (got >= 0) return buf.subarray(0, got).toString('latin1').split('\0').filter((n) => n !== '');
    if (c.errno() !== ERANGE) throw errnoException(c.errno(), 'llistxattr', path);
  }
}

/** What one sendfile(2) call moves at most here: a signal waits no longer than one such copy. */
const SENDFILE_STEP = 64 << 20;

/**
 * sendfile(2): up to `count` bytes from `inFd`'s position to `outFd`'s (any file to any file or
 * socket), copied by the kernel. Returns the bytes moved, 0 at the end of the input. Synchronous
 * (errno is only readable on the calling thread): for a command's output, not a server's.
 */
export function sendfile(outFd: number, inFd: number, count: number): number {
  return check(load().sendfile(outFd, inFd, null, Math.min(count, SENDFILE_STEP)), 'sendfile');
}

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MNT_DETACH = 0x2;

/** mount(2). */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check(load().mount(source, target, fstype, flags, data), 'mount', target);
}

/** umount2(2). */
export function umount2(target: string, flags = 0): void {
  check(load().umount2(target, flags), 'umount2', target);
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = 11;
const ENODATA = 61;
const ENOTSUP = 95;
const ERANGE = 34;

/** flock(2) without blocking the event loop: the wait runs on a worker thread. */
export async function flock(fd: number, mode: 'shared' | 'exclusive'): Promise<void> {
  const c = load();
  const op = mode === 'shared' ? LOCK_SH : LOCK_EX;
  // Fast path: an uncontended lock needs no thread hop.
  if (c.flock(fd, op | LOCK_NB) === 0) return;
  if (c.errno() !== EWOULDBLOCK) throw errnoException(c.errno(), 'flock');
  for (;;) {
    const ret = await new Promise<number>((resolve, reject) => c.flockAsync(fd, op, (err, res) => (err ? reject(err as Error) : resolve(res))));
    if (ret === 0) return;
    // The async call's errno is per thread and lost; EINTR is the only expected failure, so retry.
  }
}

/** flock(2) without waiting: false when another descriptor holds a conflicting lock. */
export function tryFlock(fd: number, mode: 'shared' | 'exclusive'): boolean {
  const c = load();
  if (c.flock(fd, (mode === 'shared' ? LOCK_SH : LOCK_EX) | LOCK_NB) === 0) return true;
  if (c.errno() !== EWOULDBLOCK) throw errnoException(c.errno(), 'flock');
  return false;
}

/** flock(2) LOCK_UN. Closing the descriptor also releases the lock. */
export function funlock(fd: number): void {
  check(load().flock(fd, LOCK_UN), 'flock');
}

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;
const SUN_PATH_MAX = 108;

/**
 * A connected AF_UNIX SOCK_SEQPACKET socket (conmon's attach socket), which node:net cannot open.
 * The caller wraps the descriptor in a net.Socket. Long paths go through /proc/self/fd of the
 * directory, since sun_path holds 108 bytes.
 */
export function connectSeqpacket(dir: string, name: string): number {
  const c = load();
  const dirFd = openSync(dir, 'r');
  try {
    const path = Buffer.from(`/proc/self/fd/${dirFd}/${name}\0`);
    if (path.length > SUN_PATH_MAX) throw new Error(`socket name too long: ${name}`);
    const addr = Buffer.alloc(2 + SUN_PATH_MAX);
    addr.writeUInt16LE(AF_UNIX, 0);
    path.copy(addr, 2);
    const fd = check(c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), 'socket');
    if (c.connect(fd, addr, addr.length) < 0) {
      const e = c.errno();
      c.close(fd);
      throw errnoException(e, 'connect', join(dir, name));
    }
    return fd;
  } finally {
    closeSync(dirFd);
  }
}

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;

/**
 * A socket bound (and for TCP listening) on a host address and port, as a descriptor: what holds a
 * published port for a container (Podman hands such sockets to conmon, which keeps them while the
 * container runs), so that no other program can take the port. An empty `ip` is every IPv4 address.
 */
export function holdPort(ip: string, port: number, proto: 'tcp' | 'udp' | 'sctp'): number {
  const c = load();
  const v6 = ip.includes(':');
  const addr = Buffer.alloc(v6 ? 28 : 16);
  addr.writeUInt16LE(v6 ? AF_INET6 : AF_INET, 0);
  addr.writeUInt16BE(port, 2);
  if (v6) ipv6Bytes(ip).copy(addr, 8);
  else (ip || '0.0.0.0').split('.').forEach((b, i) => addr.writeUInt8(Number(b), 4 + i));
  const fd = check(c.socket(v6 ? AF_INET6 : AF_INET, (proto === 'udp' ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), 'socket');
  const one = Buffer.alloc(4);
  one.writeInt32LE(1, 0);
  try {
    // As a server would: a port in TIME_WAIT is still free to take.
    check(c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4), 'setsockopt');
    if (v6) check(c.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, one, 4), 'setsockopt');
    check(c.bind(fd, addr, addr.length), 'bind');
    if (proto !== 'udp') check(c.listen(fd, 1), 'listen');
    return fd;
  } catch (err) {
    c.close(fd);
    throw err;
  }
}

/** close(2) of a descriptor berth opened itself (holdPort's). */
export function closeFd(fd: number): void {
  load().close(fd);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string): string[] => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

const CLONE_NEWNET = 0x40000000;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;

/**
 * A new network namespace, bound on `path` (an existing empty file) as `ip netns add` binds it, with
 * its loopback up. Done on this thread without running `ip` twice: the thread enters a new namespace
 * (unshare), binds it, raises lo, and goes back (setns) before anything else runs on it.
 */
export function makeNetns(path: string): void {
  const c = load();
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    check(c.unshare(CLONE_NEWNET), 'unshare');
    try {
      mount('/proc/thread-self/ns/net', path, null, MS_BIND);
      withInetSocket((fd) => setLinkUp(fd, 'lo', true));
    } finally {
      // Back home whatever happened: the rest of berth must never run in the new namespace.
      if (c.setns(home, CLONE_NEWNET) !== 0) {
        process.stderr.write(`berth: cannot return to the host's network namespace (errno ${c.errno()})\n`);
        process.exit(70);
      }
    }
  } finally {
    closeSync(home);
  }
}

const SIOCBRDELBR = 0x89a1;

/**
 * Takes a bridge down and deletes it (brctl delbr's two ioctls, not a run of ip). The kernel
 * waits ~40 ms for the device's last users before it returns: the delete runs on a worker thread.
 */
export async function deleteBridge(name: string): Promise<void> {
  const c = load();
  const fd = check(c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 'socket');
  try {
    setLinkUp(fd, name, false);
    const ret = await new Promise<number>((resolve, reject) => c.ioctlBufAsync(fd, SIOCBRDELBR, Buffer.from(`${name}\0`, 'latin1'), (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res))));
    // errno belongs to the worker thread: the kernel's own view says whether it went.
    if (ret < 0 && existsSync(`/sys/class/net/${name}`)) throw new Error(`cannot delete bridge ${name}`);
  } finally {
    c.close(fd);
  }
}

const SIOCGIFADDR = 0x8915;

/** An interface's IPv4 address (dotted), or undefined when it has none or does not exist. */
export function interfaceAddress(name: string): string | undefined {
  let out: string | undefined;
  withInetSocket((fd) => {
    const ifreq = Buffer.alloc(40);
    ifreq.write(name, 0, 'latin1');
    // struct ifreq: the name, then a sockaddr_in whose address is at byte 4.
    if (load().ioctlBuf(fd, SIOCGIFADDR, ifreq) === 0) out = [...ifreq.subarray(20, 24)].join('.');
  });
  return out;
}

/** An AF_INET datagram socket for interface ioctls, closed after `fn` (in the caller's network namespace). */
function withInetSocket(fn: (fd: number) => void): void {
  const c = load();
  const fd = check(c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 'socket');
  try {
    fn(fd);
  } finally {
    c.close(fd);
  }
}

/** Sets or clears an interface's IFF_UP flag (struct ifreq: the name, then the flags at byte 16). */
function setLinkUp(fd: number, name: string, up: boolean): void {
  const c = load();
  const ifreq = Buffer.alloc(40);
  ifreq.write(name, 0, 'latin1');
  check(c.ioctlBuf(fd, SIOCGIFFLAGS, ifreq), 'ioctl');
  const flags = ifreq.readUInt16LE(16);
  ifreq.writeUInt16LE(up ? flags | IFF_UP : flags & ~IFF_UP, 16);
  check(c.ioctlBuf(fd, SIOCSIFFLAGS, ifreq), 'ioctl');
}

/** shutdown(2): 'write' sends the end of input; 'both' also wakes a reader blocked on the socket. */
export function shutdownSocket(fd: number, how: 'write' | 'both'): void {
  const ret = load().shutdown(fd, how === 'write' ? 1 : 2);
  if (ret < 0 && load().errno() !== ENOTCONN) throw errnoException(load().errno(), 'shutdown');
}
const ENOTCONN = 107;

const SIOCOUTQ = 0x5411;

/** Bytes written to a unix socket that its peer has not read yet (SIOCOUTQ). */
export function socketUnread(fd: number): number {
  const out = Buffer.alloc(4);
  if (load().ioctlInt(fd, SIOCOUTQ, out) < 0) throw errnoException(load().errno(), 'ioctl');
  return out.readInt32LE(0);
}

const TERMIOS_SIZE = 60; // sizeof(struct termios) on Linux (glibc)

/**
 * Puts a terminal in raw mode as cfmakeraw(3) does (also no output processing: the container's own
 * terminal already turned its newlines into CR LF; Node's setRawMode would add another CR). Returns
 * the function that restores it.
 */
export function makeRawTerminal(fd: number): () => void {
  const saved = Buffer.alloc(TERMIOS_SIZE);
  check(load().tcgetattr(fd, saved), 'tcgetattr');
  const raw = Buffer.from(saved);
  load().cfmakeraw(raw);
  check(load().tcsetattr(fd, 0, raw), 'tcsetattr');
  return () => {
    load().tcsetattr(fd, 0, saved);
  };
}

/** Detaches every mount at or below `path` (deepest first). */
export function unmountUnder(path: string): void {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const points = info.split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m === path || m.startsWith(`${path}/`));
  for (const m of points.sort((a, b) => b.length - a.length)) {
    try {
      umount2(m, MNT_DETACH);
    } catch {
      // gone meanwhile
    }
  }
}
