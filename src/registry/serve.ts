// `berth registry serve`: the registry handler on a TCP address or a unix socket, over HTTP or
// HTTPS, with an access log line per request and Prometheus counters at /metrics.
import { readFile, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { AccessControl, type AccessOptions } from './access.ts';
import { registryHandler } from './server.ts';
import { RegistryStorage } from './storage.ts';
import { StoreView } from './store-view.ts';
import type { Digest } from '../content/index.ts';
import type { ImageStore } from '../store/index.ts';

export interface ServeOptions {
  /** The registry's own storage directory, or berth's image store served read-only. */
  storage: string | { store: ImageStore };
  /** HOST:PORT, or unix:///path */
  listen: string;
  tls?: { cert: string; key: string };
  /** Where access log lines go (none when undefined). */
  log?: (line: string) => void;
  access?: AccessOptions;
}

export interface RunningRegistry {
  /** host:port, or the socket path. */
  address: string;
  close(): Promise<void>;
}

export async function serveRegistry(opts: ServeOptions): Promise<RunningRegistry> {
  let storage: RegistryStorage | StoreView;
  if (typeof opts.storage === 'string') {
    storage = new RegistryStorage(opts.storage);
    await storage.init();
  } else {
    storage = new StoreView(opts.storage.store);
  }
  const access = await AccessControl.load(opts.access ?? {});
  const handle = registryHandler(storage, access);
  const metrics = new Metrics();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    // Bytes in: what the connection read while this request ran (a 'data' listener would steal the body).
    const readBefore = req.socket.bytesRead;
    if (access && opts.access?.tokens && req.url?.startsWith('/token')) {
      void access.issueToken(req, res);
      return;
    }
    if (req.url === '/metrics') {
      void metrics.render(storage).then((text) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(text));
      return;
    }
    void handle(req, res).then(({ route }) => {
      const done = (): void => {
        const bytesOut = Number(res.getHeader('content-length') ?? 0);
        metrics.count(route, req.method ?? 'GET', res.statusCode, req.socket.bytesRead - readBefore, req.method === 'HEAD' ? 0 : bytesOut);
        opts.log?.(`${req.socket.remoteAddress ?? '-'} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${bytesOut} ${Date.now() - started}ms`);
      };
      if (res.writableFinished) done();
      else res.on('finish', done).on('close', () => res.writableFinished || done());
    });
  };
  const server = opts.tls ? https.createServer({ cert: await readFile(opts.tls.cert), key: await readFile(opts.tls.key) }, onRequest) : http.createServer(onRequest);
  server.keepAliveTimeout = 30_000;
  let address: string;
  if (opts.listen.startsWith('unix://')) {
    const path = opts.listen.slice('unix://'.length);
    await rm(path, { force: true });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    address = path;
  } else {
    const colon = opts.listen.lastIndexOf(':');
    const host = opts.listen.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1';
    const port = Number(opts.listen.slice(colon + 1));
    if (colon === -1 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --listen "${opts.listen}": use HOST:PORT or unix:///PATH`);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    const a = server.address() as AddressInfo;
    address = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Request counts by route, method and status; bytes in and out; the storage's size. */
class Metrics {
  private readonly requests = new Map<string, number>();
  private bytesIn = 0;
  private bytesOut = 0;

  count(route: string, method: string, status: number, bytesIn: number, bytesOut: number): void {
    const key = `route="${route}",method="${method}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
  }

  async render(storage: RegistryStorage | StoreView): Promise<string> {
    let size = 0;
    let blobs: Digest[] = [];
    if (storage instanceof RegistryStorage) {
      blobs = (await storage.content.list()).blobs;
      for (const d of blobs) size += (await storage.content.info(d))?.size ?? 0;
    }
    const lines = [
      '# HELP berth_registry_requests_total Requests served, by route, method and status.',
      '# TYPE berth_registry_requests_total counter',
      ...[...this.requests].map(([k, v]) => `berth_registry_requests_total{${k}} ${v}`),
      '# HELP berth_registry_bytes_received_total Request body bytes received.',
      '# TYPE berth_registry_bytes_received_total counter',
      `berth_registry_bytes_received_total ${this.bytesIn}`,
      '# HELP berth_registry_bytes_sent_total Response body bytes sent.',
      '# TYPE berth_registry_bytes_sent_total counter',
      `berth_registry_bytes_sent_total ${this.bytesOut}`,
      '# HELP berth_registry_storage_bytes Bytes of blobs stored.',
      '# TYPE berth_registry_storage_bytes gauge',
      `berth_registry_storage_bytes ${size}`,
      '# HELP berth_registry_blobs Blobs stored.',
      '# TYPE berth_registry_blobs gauge',
      `berth_registry_blobs ${blobs.length}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
