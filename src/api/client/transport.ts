// The client side of the Docker Engine API: requests to a daemon over a unix socket or TCP (with
// TLS), the version both sides speak, and errors turned back into berth's error kinds so that the
// CLI prints the same message whether the engine is local or remote.
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { nodeHttp } from '../../sys/index.ts';
import { readFileSync } from 'node:fs';
import type { Duplex, Readable } from 'node:stream';
import { BerthError, failedPrecondition, unavailable, type ErrorKind } from '../../errdefs/index.ts';
import { parseTcpHost } from '../hosts.ts';

/** The version berth's client asks for; lower when the daemon is older. */
const CLIENT_VERSION = '1.50';

export interface ClientOptions {
  /** unix:///path or tcp://host:port (https when `tls` is given). */
  host: string;
  tls?: { ca?: string; cert?: string; key?: string; verify: boolean };
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (a tar). */
  body?: Readable | Buffer;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** What a remote engine cannot do: local operations by nature (the store's own files, manifest lists). */
export function remoteOnly(what: string): BerthError {
  return failedPrecondition(`${what} is not available through a daemon's API (--host): run it without --host on the daemon's machine`);
}

const KIND_OF_STATUS: Record<number, ErrorKind> = { 400: 'InvalidArgument', 401: 'Unauthorized', 403: 'FailedPrecondition', 404: 'NotFound', 409: 'Conflict', 503: 'Unavailable' };

export class ApiClient {
  private readonly target: { socketPath: string } | { host: string; port: number };
  private readonly agent: HttpAgent;
  private readonly secure: boolean;
  private version: Promise<string> | undefined;
  readonly host: string;

  constructor(opts: ClientOptions) {
    this.host = opts.host;
    this.secure = opts.tls !== undefined;
    if (opts.host.startsWith('unix://')) {
      this.target = { socketPath: opts.host.slice('unix://'.length) };
    } else {
      this.target = parseTcpHost(opts.host, this.secure);
    }
    const tls = opts.tls;
    const { http, https } = nodeHttp();
    this.agent = tls
      ? new https.Agent({ keepAlive: true, ca: tls.ca ? readFileSync(tls.ca) : undefined, cert: tls.cert ? readFileSync(tls.cert) : undefined, key: tls.key ? readFileSync(tls.key) : undefined, rejectUnauthorized: tls.verify })
      : new http.Agent({ keepAlive: true });
  }

  /** The version to speak: the daemon's own when it is older than berth's client. */
  private negotiated(): Promise<string> {
    this.version ??= this.send('GET', '/_ping', {}).then((res) => {
      res.resume();
      const server = String(res.headers['api-version'] ?? CLIENT_VERSION);
      return Number(server.split('.')[1]) < Number(CLIENT_VERSION.split('.')[1]) ? server : CLIENT_VERSION;
    });
    return this.version;
  }

  /** A request whose answer must be 2xx; an error status becomes the BerthError the daemon described. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const res = await this.send(method, `/v${await this.negotiated()}${path}`, opts);
    if ((res.statusCode ?? 500) >= 400) throw await errorOf(res);
    return res;
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return this.bodyOf<T>(await this.request(method, path, opts));
  }

  /** A response's JSON body (for a request whose headers mattered first: a wait). */
  async bodyOf<T>(res: IncomingMessage): Promise<T> {
    const text = await readAll(res);
    return (text.length === 0 ? undefined : JSON.parse(text.toString('utf8'))) as T;
  }

  /** Sends and throws away the answer (204s, 201s with nothing berth needs). */
  async call(method: string, path: string, opts: RequestOptions = {}): Promise<void> {
    (await this.request(method, path, opts)).resume();
  }

  /** Each JSON value of a streamed answer (events, progress, stats), as it arrives. */
  async *jsonLines<T>(res: IncomingMessage): AsyncIterable<T> {
    let buf = '';
    for await (const c of res) {
      buf += (c as Buffer).toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
    if (buf.trim()) yield JSON.parse(buf) as T;
  }

  /** An `Upgrade: tcp` request (attach, exec start): the raw connection once the daemon switches. */
  async hijack(method: string, path: string, opts: RequestOptions = {}): Promise<Duplex> {
    const version = await this.negotiated();
    return new Promise((resolve, reject) => {
      const body = opts.json === undefined ? undefined : Buffer.from(JSON.stringify(opts.json));
      const req = this.transport().request({
        ...this.target,
        // The agent carries the TLS settings (CA, client certificate); an upgraded socket leaves its pool.
        agent: this.agent,
        method,
        path: `/v${version}${path}${queryString(opts.query)}`,
        headers: { Connection: 'Upgrade', Upgrade: 'tcp', ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}), ...opts.headers },
      });
      req.on('upgrade', (_res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => {
        // No upgrade: an error (or an old daemon that streams in the body, which berth's never does).
        if ((res.statusCode ?? 500) >= 400) void errorOf(res).then(reject);
        else reject(new Error(`the daemon did not switch protocols for ${path} (status ${res.statusCode})`));
      });
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private transport(): ReturnType<typeof nodeHttp>['http'] | ReturnType<typeof nodeHttp>['https'] {
    const { http, https } = nodeHttp();
    return this.secure ? https : http;
  }

  private send(method: string, path: string, opts: RequestOptions): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const json = opts.json === undefined ? undefined : Buffer.from(JSON.stringify(opts.json));
      const headers: Record<string, string> = { ...(json ? { 'Content-Type': 'application/json', 'Content-Length': String(json.length) } : {}), ...opts.headers };
      if (Buffer.isBuffer(opts.body)) headers['Content-Length'] = String(opts.body.length);
      const req = this.transport().request({ ...this.target, agent: this.agent, method, path: `${path}${queryString(opts.query)}`, headers, signal: opts.signal }, resolve);
      req.on('error', (err) => reject(this.unreachable(err)));
      if (json) req.end(json);
      else if (Buffer.isBuffer(opts.body)) req.end(opts.body);
      else if (opts.body) opts.body.on('error', (err) => req.destroy(err)).pipe(req);
      else req.end();
    });
  }

  private unreachable(err: Error): Error {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
      return unavailable(`Cannot connect to the berth daemon at ${this.host}. Is the berth daemon running?`);
    }
    return err;
  }
}

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The daemon's {"message": …} as the error kind its status stands for. */
async function errorOf(res: IncomingMessage): Promise<BerthError> {
  const text = (await readAll(res)).toString('utf8');
  let message = text.trim();
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: the text as it came
  }
  const status = res.statusCode ?? 500;
  return new BerthError(KIND_OF_STATUS[status] ?? 'Internal', message || `the daemon answered ${status}`);
}
