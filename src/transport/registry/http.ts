// One HTTP exchange with a registry over node:http(s), with keep-alive agents per endpoint. The
// response body is the live stream: blobs flow to the store without being buffered.
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { nodeHttp, nodeTls } from '../../sys/index.ts';
import { Readable } from 'node:stream';
import type { Endpoint } from './hosts.ts';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable | (() => Readable | Promise<Readable>);
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/**
 * A transport for one endpoint. Its agents keep connections open between requests: one for the
 * registry's host, one for any other (token server, blob storage) with the same TLS settings.
 */
export class HttpTransport {
  private readonly own: HttpAgent;
  private readonly others: { http: HttpAgent; https: HttpsAgent };

  readonly endpoint: Endpoint;

  constructor(endpoint: Endpoint) {
    this.endpoint = endpoint;
    const { tls } = endpoint;
    const { http, https } = nodeHttp();
    const httpsAgent = (): HttpsAgent =>
      new https.Agent({
        keepAlive: true,
        maxSockets: 8,
        rejectUnauthorized: endpoint.verify,
        // Extra CAs add to the system's, as Docker's certs.d does.
        ...(tls.ca ? { ca: [...nodeTls().rootCertificates, ...tls.ca.map(String)] } : {}),
        ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
      });
    this.own = endpoint.base.startsWith('https:') ? httpsAgent() : new http.Agent({ keepAlive: true, maxSockets: 8 });
    this.others = { http: new http.Agent({ keepAlive: true }), https: httpsAgent() };
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const base = new URL(this.endpoint.base);
    const sameEndpoint = req.url.protocol === base.protocol && req.url.host === base.host;
    return send(req, sameEndpoint ? this.own : req.url.protocol === 'https:' ? this.others.https : this.others.http);
  }

  close(): void {
    this.own.destroy();
    this.others.http.destroy();
    this.others.https.destroy();
  }
}

async function send(req: HttpRequest, agent: HttpAgent): Promise<HttpResponse> {
  const { http, https } = nodeHttp();
  const lib = req.url.protocol === 'https:' ? https : http;
  const body = typeof req.body === 'function' ? await req.body() : req.body;
  return new Promise((resolve, reject) => {
    const r = lib.request(req.url, { method: req.method, headers: { 'User-Agent': 'berth/0.1', ...req.headers }, agent, signal: req.signal }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    r.on('error', reject);
    if (body instanceof Readable) {
      body.on('error', (err) => r.destroy(err));
      body.pipe(r);
    } else {
      r.end(body);
    }
  });
}

/** The whole body of a response (for manifests, tokens and error documents: small). */
export async function readBody(res: HttpResponse, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw new Error(`response larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drops a response's body so its connection can be reused. */
export function discard(res: HttpResponse): void {
  res.body.resume();
}
