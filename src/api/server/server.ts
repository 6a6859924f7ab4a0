// The Docker Engine API over HTTP: listeners (unix sockets, TCP with TLS), the /vX.YY prefix and
// version negotiation, dispatch to the routes, and errors as dockerd writes them ({"message": …}).
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.ts';
import { parseTcpHost } from '../hosts.ts';
import type { Engine } from '../../engine/index.ts';
import { ApiVersion, type ApiRequest } from './request.ts';
import { ApiReply, messageOf, statusOf } from './reply.ts';
import { Router, type Route } from './router.ts';
import { DaemonState, type DaemonInfo } from './state.ts';

/** The newest API version served (docker CLI 28's), and the oldest (docker-compose v1 pins 1.2x). */
export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';

export interface Listener {
  /** unix:///path, tcp://host:port, or fd:// (systemd socket activation). */
  host: string;
  tls?: { cert: string; key: string; ca?: string; verify: boolean };
}

export interface ApiServerOptions {
  engine: Engine;
  info: DaemonInfo;
  listeners: Listener[];
  routes: Route[];
  /** Group owning the unix sockets (dockerd's `docker` group; berth's `berth`), when it exists. */
  socketGroup?: number;
  /** One line per request (debug), and every 5xx. */
  log?: (line: string, level: 'debug' | 'error') => void;
  /** Sockets handed over by systemd (LISTEN_FDS), for fd:// listeners. */
  inheritedFds?: number[];
}

export interface RunningApiServer {
  addresses: string[];
  state: DaemonState;
  close(): Promise<void>;
}

export async function serveApi(opts: ApiServerOptions): Promise<RunningApiServer> {
  const router = new Router().add(opts.routes);
  const state = new DaemonState(opts.info);
  const ctx = { engine: opts.engine, state };
  const log = opts.log ?? ((): void => undefined);

  const dispatch = (req: IncomingMessage, reply: ApiReply, body: Readable, gone: (onGone: () => void) => void): void => {
    const started = Date.now();
    const abort = new AbortController();
    gone(() => abort.abort());
    const url = new URL(req.url ?? '/', 'http://berth');
    let path = url.pathname;
    const method = req.method ?? 'GET';
    const done = (status: number): void => log(`${method} ${req.url} ${status} ${Date.now() - started}ms`, 'debug');
    const fail = (err: unknown): void => {
      const status = statusOf(err);
      // A failure because the client went away (an import or a build cut short) is no daemon error.
      if (status >= 500 && !abort.signal.aborted) log(`${method} ${req.url}: ${messageOf(err)}${err instanceof Error && err.stack && !('kind' in err) ? `\n${err.stack}` : ''}`, 'error');
      reply.error(err);
      done(status);
    };
    try {
      let version = new ApiVersion(API_VERSION);
      const prefix = /^\/v([0-9.]+)(\/.*)$/.exec(path);
      if (prefix) {
        version = parseRequestedVersion(prefix[1] as string);
        path = prefix[2] as string;
      }
      const found = router.match(method, path);
      if (!('route' in found)) {
        if (found.methods.length > 0) throw Object.assign(invalidArgument(`method ${method} is not allowed for ${path}`), { status: 405 });
        throw Object.assign(invalidArgument(`page not found`), { status: 404 });
      }
      const request: ApiRequest = { method, path, params: found.params, query: url.searchParams, version, headers: req.headers, body, signal: abort.signal };
      found.route.handler(request, reply, ctx).then(() => done(reply.status), fail);
    } catch (err) {
      fail(err);
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    for (const [k, v] of Object.entries(commonHeaders())) res.setHeader(k, v);
    // A keep-alive connection carries many requests: the client is gone when this response closes unfinished.
    dispatch(req, new ApiReply(res), req, (onGone) => res.once('close', () => res.writableFinished || onGone()));
  };
  // `Upgrade: tcp` (attach, exec start): the socket is ours once the body is read. The servers no
  // longer count it among their connections, so close() ends these itself.
  const upgraded = new Set<Duplex>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    readUpgradeBody(socket as Socket, head, Number(req.headers['content-length'] ?? 0)).then(
      (body) => dispatch(req, new ApiReply(undefined, { socket, upgrade: true }), Readable.from(body.length > 0 ? [body] : []), (onGone) => socket.once('close', onGone)),
      () => socket.destroy(),
    );
  };

  const servers: Server[] = [];
  const addresses: string[] = [];
  let fdIndex = 0;
  for (const l of opts.listeners) {
    const server = l.tls
      // allowHalfOpen: a client's CloseWrite on a hijacked connection (its stdin ended, a TLS
      // close_notify) must not close our side before the output and the exit code are sent.
      ? https.createServer({ cert: readFileSync(l.tls.cert), key: readFileSync(l.tls.key), ca: l.tls.ca ? readFileSync(l.tls.ca) : undefined, requestCert: l.tls.verify, rejectUnauthorized: l.tls.verify, allowHalfOpen: true }, onRequest)
      : http.createServer(onRequest);
    server.on('upgrade', onUpgrade);
    server.keepAliveTimeout = 30_000;
    // Streams (events, logs -f, stats) stay open as long as the client wants.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    addresses.push(await listen(server, l.host, l.tls !== undefined, opts.socketGroup, opts.inheritedFds, () => fdIndex++));
    servers.push(server);
  }
  return {
    addresses,
    state,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        (s as http.Server).closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      })));
      for (const a of addresses) if (a.startsWith('/')) await rm(a, { force: true });
    },
  };
}

function commonHeaders(): Record<string, string> {
  return { 'Api-Version': API_VERSION, 'Docker-Experimental': 'false', Ostype: 'linux', Server: `berth (linux)` };
}

function parseRequestedVersion(text: string): ApiVersion {
  let v: ApiVersion;
  try {
    v = new ApiVersion(text);
  } catch {
    throw invalidArgument(`invalid API version "${text}"`);
  }
  if (!v.atLeast(MIN_API_VERSION)) throw invalidArgument(`client version ${text} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  if (v.atLeast(API_VERSION) && v.text !== API_VERSION) throw invalidArgument(`client version ${text} is too new. Maximum supported API version is ${API_VERSION}`);
  return v;
}

/** The request body of an upgrade request (small JSON, e.g. exec start's); what follows stays on the socket. */
function readUpgradeBody(socket: Socket, head: Buffer, length: number): Promise<Buffer> {
  if (!Number.isSafeInteger(length) || length < 0 || length > 1 << 20) return Promise.reject(new Error('bad body length'));
  let got = head;
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      socket.off('data', onData).off('error', reject).off('end', onEnd);
      socket.pause();
      if (got.length > length) socket.unshift(got.subarray(length));
      resolve(got.subarray(0, length));
    };
    const onData = (c: Buffer): void => {
      got = Buffer.concat([got, c]);
      if (got.length >= length) finish();
    };
    const onEnd = (): void => reject(new Error('the connection ended inside the request body'));
    if (got.length >= length) {
      finish();
      return;
    }
    socket.on('data', onData).on('error', reject).on('end', onEnd);
    socket.resume();
  });
}

async function listen(server: Server, host: string, tls: boolean, group: number | undefined, inherited: number[] | undefined, nextFd: () => number): Promise<string> {
  const listening = (arg: unknown, ...more: unknown[]): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      (server.listen as (...a: unknown[]) => void)(arg, ...more, () => {
        server.off('error', reject);
        resolve();
      });
    });
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    if (!path.startsWith('/')) throw invalidArgument(`invalid host ${JSON.stringify(host)}: the socket path must be absolute`);
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true });
    // Made with its final mode (no moment where the umask's is on it), then owned by the group.
    const umask = process.umask(0o117);
    try {
      await listening(path);
    } finally {
      process.umask(umask);
    }
    await chmod(path, 0o660);
    if (group !== undefined) await chown(path, 0, group);
    return path;
  }
  if (host.startsWith('fd://')) {
    const fd = inherited?.[host === 'fd://' ? nextFd() : Number(host.slice(5)) - 3];
    if (fd === undefined) throw invalidArgument(`no socket was handed over for ${host} (LISTEN_FDS): start berth through its systemd socket unit`);
    await listening({ fd });
    return host;
  }
  const tcp = parseTcpHost(host, tls);
  await listening(tcp.port, tcp.host);
  const a = server.address() as AddressInfo;
  return `tcp://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}
