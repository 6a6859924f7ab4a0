// A client for one registry (distribution-spec / Docker Registry HTTP API v2): the endpoint found
// by `GET /v2/` (HTTPS, or plain HTTP for an insecure registry), the challenge it answers with,
// then manifests, blobs, uploads, tags and referrers, each request authorised for its scopes and
// retried with backoff when the server or the connection fails.
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { digestOf, type Digest } from '../../content/index.ts';
import { BerthError, invalidArgument, unavailable } from '../../errdefs/index.ts';
import { MediaType, parseIndex, type Index } from '../../image/index.ts';
import type { RawManifest } from '../copy.ts';
import { Authorizer, repositoryScope } from './auth.ts';
import type { Credential, CredentialStore } from './credentials.ts';
import { registryError, retryableError, retryableStatus } from './errors.ts';
import { endpointsFor, endpointUrl, type Endpoint, type RegistryOptions } from './hosts.ts';
import { discard, HttpTransport, readBody, type HttpRequest, type HttpResponse } from './http.ts';

export interface ClientOptions extends RegistryOptions {
  /** Credentials given on the command line (`--creds`), used instead of the stored ones. */
  credential?: Credential;
  credentials?: CredentialStore;
  /** Attempts for a request that fails with 5xx, 429 or a broken connection. */
  attempts?: number;
  /** First backoff delay in ms (doubles each attempt). */
  backoffMs?: number;
}


export const MANIFEST_ACCEPT = [MediaType.OciIndex, MediaType.OciManifest, MediaType.DockerManifestList, MediaType.DockerManifest].join(', ');

type Body = Buffer | (() => Readable | Promise<Readable>);

export class RegistryClient {
  readonly domain: string;
  private readonly http: HttpTransport;
  private readonly auth: Authorizer;
  private readonly opts: ClientOptions;

  private constructor(domain: string, http: HttpTransport, auth: Authorizer, opts: ClientOptions) {
    this.domain = domain;
    this.http = http;
    this.auth = auth;
    this.opts = opts;
  }

  /**
   * Finds the registry's endpoint and what authentication it asks for. `endpoints` replaces the
   * domain's own (a mirror's); credentials and messages still go by the domain.
   */
  static async connect(domain: string, opts: ClientOptions = {}, endpoints: Endpoint[] = endpointsFor(domain, opts)): Promise<RegistryClient> {
    let lastError: { err: unknown; url: URL } | undefined;
    for (const endpoint of endpoints) {
      const http = new HttpTransport(endpoint);
      const url = endpointUrl(endpoint.base, '/v2/');
      try {
        const res = await http.request({ method: 'GET', url });
        discard(res);
        if (res.status >= 500) throw await registryError(res, `Get "${url.href}"`);
        const credential = opts.credential ? async (): Promise<Credential> => opts.credential as Credential : async (): Promise<Credential | undefined> => opts.credentials?.get(domain);
        const auth = new Authorizer(http, credential);
        if (res.status === 401) auth.setChallenge(res.headers['www-authenticate'] as string | undefined);
        return new RegistryClient(domain, http, auth, opts);
      } catch (err) {
        http.close();
        if (err instanceof BerthError) throw err;
        // Plain HTTP is tried next only when HTTPS failed as it does against a plain HTTP server;
        // a TLS refusal (a client certificate wanted, say) is the answer.
        if (endpoint.base.startsWith('https:') && refusedByTls(err)) throw unavailable(`Get "${url.href}": ${connectionProblem(err, domain)}`, domain);
        lastError = { err, url };
      }
    }
    throw unavailable(`Get "${lastError?.url.href}": ${connectionProblem(lastError?.err, domain)}`, domain);
  }

  get base(): string {
    return this.http.endpoint.base;
  }

  close(): void {
    this.http.close();
  }

  /** Checks that the credentials are accepted: a token for no scope, or `GET /v2/` with basic auth. */
  async login(): Promise<void> {
    const res = await this.request({ method: 'GET', path: '/v2/', scopes: [] });
    if (res.status !== 200) throw await registryError(res, `login to ${this.base} failed`);
    discard(res);
  }

  async manifest(repo: string, ref: string): Promise<RawManifest> {
    const res = await this.request({ method: 'GET', path: `/v2/${repo}/manifests/${ref}`, scopes: [pull(repo)], headers: { Accept: MANIFEST_ACCEPT } });
    if (res.status !== 200) throw await registryError(res, `manifest for ${this.domain}/${repo}:${ref} not found`.replace(/:sha256:/, '@sha256:'));
    const bytes = await readBody(res, 4 << 20);
    const digest = digestOf(bytes);
    if (ref.startsWith('sha256:') && digest !== ref) throw invalidArgument(`manifest verification failed for digest ${ref}: the registry sent a manifest whose digest is ${digest}`);
    const mediaType = contentType(res) ?? mediaTypeFromBody(bytes);
    return { bytes, mediaType, digest };
  }

  /** The manifest's digest and type without its body, or undefined when there is none. */
  async headManifest(repo: string, ref: string): Promise<{ digest?: Digest; mediaType?: string; size: number } | undefined> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repo}/manifests/${ref}`, scopes: [pull(repo)], headers: { Accept: MANIFEST_ACCEPT } });
    discard(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await registryError(res, `HEAD manifest ${this.domain}/${repo}:${ref}`);
    const d = res.headers['docker-content-digest'];
    return { digest: typeof d === 'string' && d.startsWith('sha256:') ? (d as Digest) : undefined, mediaType: contentType(res), size: Number(res.headers['content-length'] ?? 0) };
  }

  /** A blob's bytes from `offset` on: the live response, after any redirect to blob storage. */
  async blob(repo: string, digest: Digest, offset = 0): Promise<HttpResponse> {
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    let res = await this.request({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, scopes: [pull(repo)], headers });
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.headers.location && hops < 5; hops++) {
      discard(res);
      const url = new URL(res.headers.location, this.base);
      // Storage on another host gets no registry credentials (they are not its own).
      res = await this.send({ method: 'GET', url, headers }, []);
    }
    if (res.status !== 200 && res.status !== 206) throw await registryError(res, `fetching blob ${digest} of ${this.domain}/${repo}`);
    return res;
  }

  /** A small blob (a config) whole, verified against its digest. */
  async blobBytes(repo: string, desc: { digest: Digest; size: number }): Promise<Buffer> {
    if (desc.size > 64 << 20) throw invalidArgument(`blob ${desc.digest} claims ${desc.size} bytes: too large to read whole`);
    const bytes = await readBody(await this.blob(repo, desc.digest), desc.size + 1);
    if (digestOf(bytes) !== desc.digest) throw invalidArgument(`digest mismatch for blob ${desc.digest} from ${this.domain}/${repo}: got ${digestOf(bytes)}`);
    return bytes;
  }

  /** The size of a blob the repository has, or undefined. */
  async hasBlob(repo: string, digest: Digest, scopes = [pull(repo)]): Promise<number | undefined> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, scopes });
    discard(res);
    if (res.status === 404) return undefined;
    if (res.status === 200 || res.status === 307) return Number(res.headers['content-length'] ?? 0);
    throw await registryError(res, `checking blob ${digest} in ${this.domain}/${repo}`);
  }

  /** Asks the registry to link a blob from another of its repositories; false when it would not. */
  async mountBlob(repo: string, digest: Digest, from: string): Promise<boolean> {
    const res = await this.request({ method: 'POST', path: `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, scopes: [push(repo), pull(from)], body: Buffer.alloc(0) });
    discard(res);
    if (res.status === 201) return true;
    if (res.status === 202) {
      // The registry opened an upload instead; cancel it so it leaves nothing behind.
      const location = res.headers.location;
      if (location) discard(await this.send({ method: 'DELETE', url: new URL(location, this.base) }, [push(repo)]).catch(() => undefined as never));
      return false;
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) return false; // no pull right on `from`: upload instead
    throw await registryError(res, `mounting blob ${digest} from ${from} into ${this.domain}/${repo}`);
  }

  /**
   * Uploads a blob: one PUT with the whole body, or PATCH requests of `chunkSize` bytes (the
   * chunked upload of the spec) and a closing PUT. `body(start)` gives the bytes from `start` on.
   */
  async pushBlob(repo: string, desc: { digest: Digest; size: number }, body: (start: number) => Readable | Promise<Readable>, opts: { chunkSize?: number } = {}): Promise<void> {
    const scopes = [push(repo)];
    const started = await this.request({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, scopes, body: Buffer.alloc(0) });
    if (started.status !== 202) throw await registryError(started, `starting an upload to ${this.domain}/${repo}`);
    discard(started);
    let location = uploadLocation(started, this.base);
    const chunk = opts.chunkSize;
    if (chunk && desc.size > chunk) {
      for (let start = 0; start < desc.size; start += chunk) {
        const end = Math.min(desc.size, start + chunk) - 1;
        const res = await this.send(
          { method: 'PATCH', url: location, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${end}`, 'Content-Length': String(end - start + 1) }, body: async () => sliceOf(await body(start), end - start + 1) },
          scopes,
        );
        if (res.status !== 202) throw await registryError(res, `uploading blob ${desc.digest} to ${this.domain}/${repo}`);
        discard(res);
        location = uploadLocation(res, this.base);
      }
      location.searchParams.set('digest', desc.digest);
      const done = await this.send({ method: 'PUT', url: location, headers: { 'Content-Length': '0' }, body: Buffer.alloc(0) }, scopes);
      if (done.status !== 201) throw await registryError(done, `finishing the upload of blob ${desc.digest} to ${this.domain}/${repo}`);
      discard(done);
      return;
    }
    location.searchParams.set('digest', desc.digest);
    const res = await this.send({ method: 'PUT', url: location, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) }, body: () => body(0) }, scopes);
    if (res.status !== 201) throw await registryError(res, `uploading blob ${desc.digest} to ${this.domain}/${repo}`);
    discard(res);
  }

  async putManifest(repo: string, ref: string, m: { bytes: Buffer; mediaType: string }): Promise<Digest> {
    const res = await this.request({ method: 'PUT', path: `/v2/${repo}/manifests/${ref}`, scopes: [push(repo)], headers: { 'Content-Type': m.mediaType }, body: m.bytes });
    if (res.status !== 201 && res.status !== 200) throw await registryError(res, `pushing manifest ${this.domain}/${repo}:${ref}`);
    discard(res);
    return digestOf(m.bytes);
  }

  /** Every tag of a repository, following the `Link` header's pages (of `pageSize` tags, when given). */
  async tags(repo: string, pageSize?: number): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = `/v2/${repo}/tags/list${pageSize ? `?n=${pageSize}` : ''}`;
    for (let page = 0; path && page < 10_000; page++) {
      const res = await this.request({ method: 'GET', path, scopes: [pull(repo)] });
      if (res.status !== 200) throw await registryError(res, `listing the tags of ${this.domain}/${repo}`);
      const doc = JSON.parse((await readBody(res)).toString('utf8')) as { tags?: unknown };
      if (Array.isArray(doc.tags)) out.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
      path = nextLink(res.headers.link as string | undefined);
    }
    return out;
  }

  /** The referrers of a manifest (OCI 1.1 API), or undefined when the registry has no such API. */
  async referrers(repo: string, digest: Digest, artifactType?: string): Promise<Index | undefined> {
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.request({ method: 'GET', path: `/v2/${repo}/referrers/${digest}${query}`, scopes: [pull(repo)] });
    if (res.status === 404) {
      discard(res);
      return undefined;
    }
    if (res.status !== 200) throw await registryError(res, `listing the referrers of ${digest} in ${this.domain}/${repo}`);
    return parseIndex(await readBody(res), `referrers of ${digest}`);
  }

  private request(r: { method: string; path: string; scopes: string[]; headers?: Record<string, string>; body?: Body }): Promise<HttpResponse> {
    return this.send({ method: r.method, url: endpointUrl(this.base, r.path), headers: r.headers, body: r.body }, r.scopes);
  }

  /**
   * One request, authorised for `scopes` when it goes to the registry's own host. A 401 refreshes
   * the challenge and token once; 5xx, 429 and broken connections are retried with backoff.
   */
  private async send(req: HttpRequest & { body?: Body }, scopes: string[]): Promise<HttpResponse> {
    const attempts = this.opts.attempts ?? 4;
    const own = req.url.host === new URL(this.base).host;
    let reauthorised = false;
    for (let attempt = 1; ; attempt++) {
      const headers = { ...req.headers };
      if (own) {
        const authorization = await this.auth.header(scopes);
        if (authorization) headers.Authorization = authorization;
      }
      let res: HttpResponse;
      try {
        res = await this.http.request({ ...req, headers });
      } catch (err) {
        if (attempt < attempts && retryableError(err)) {
          await this.backoff(attempt);
          continue;
        }
        throw unavailable(`${req.method} "${req.url.href}": ${(err as Error).message}`, this.domain);
      }
      if (res.status === 401 && own && !reauthorised) {
        reauthorised = true;
        if (this.auth.setChallenge(res.headers['www-authenticate'] as string | undefined)) {
          discard(res);
          this.auth.forget();
          continue;
        }
      }
      if (retryableStatus(res.status) && attempt < attempts) {
        discard(res);
        await this.backoff(attempt, res.headers['retry-after'] as string | undefined);
        continue;
      }
      return res;
    }
  }

  private async backoff(attempt: number, retryAfter?: string): Promise<void> {
    const base = this.opts.backoffMs ?? 200;
    const asked = Number(retryAfter);
    await sleep(Number.isFinite(asked) && asked > 0 ? Math.min(asked * 1000, 10_000) : base * 2 ** (attempt - 1));
  }

  /** Retries and backoff, for callers that resume a stream themselves. */
  async retryDelay(attempt: number): Promise<void> {
    await this.backoff(attempt);
  }

  get maxAttempts(): number {
    return this.opts.attempts ?? 4;
  }
}

const pull = (repo: string): string => repositoryScope(repo, ['pull']);
const push = (repo: string): string => repositoryScope(repo, ['pull', 'push']);

function contentType(res: HttpResponse): string | undefined {
  const ct = res.headers['content-type'];
  return ct ? ct.split(';')[0]?.trim() : undefined;
}

/** A manifest's type from its own `mediaType` field, for registries that send a generic Content-Type. */
function mediaTypeFromBody(bytes: Buffer): string {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof doc.mediaType === 'string') return doc.mediaType;
    return Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  } catch {
    return MediaType.OciManifest;
  }
}

function uploadLocation(res: HttpResponse, base: string): URL {
  const location = res.headers.location;
  if (!location) throw unavailable(`the registry at ${base} started an upload but sent no Location`);
  return new URL(location, base);
}

/** `<…/tags/list?n=2&last=b>; rel="next"` → the path to ask next. */
function nextLink(header: string | undefined): string | undefined {
  const m = header ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(header) : null;
  return m ? (m[1] as string) : undefined;
}

/** The first `length` bytes of a stream. */
function sliceOf(source: Readable, length: number): Readable {
  return Readable.from(
    (async function* () {
      let left = length;
      for await (const c of source as AsyncIterable<Buffer>) {
        const part = c.length > left ? c.subarray(0, left) : c;
        left -= part.length;
        yield part;
        if (left <= 0) break;
      }
    })(),
  );
}

const CERT_ERRORS = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** A connection failure in words, with what to do about a certificate the registry's CA signed. */
function connectionProblem(err: unknown, domain: string): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (CERT_ERRORS.has(code)) {
    const why = code === 'CERT_HAS_EXPIRED' ? 'certificate has expired' : code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'certificate is not valid for this host name' : 'certificate signed by unknown authority';
    return `tls: ${why} (${code}): put the registry's CA in /etc/docker/certs.d/${domain}/ca.crt (or give --cert-dir), or use --tls-verify=false`;
  }
  const message = err instanceof Error ? err.message.trim() : String(err);
  const alert = /alert ([a-z ]+?)(?::|$)/i.exec(message)?.[1];
  if (alert) return `tls: the registry refused the handshake (alert: ${alert}); if it wants a client certificate, put client.cert and client.key in /etc/docker/certs.d/${domain}/ (or give --cert-dir)`;
  return message;
}

/** A TLS handshake the server refused (an alert, a certificate), as opposed to a server that does not speak TLS. */
function refusedByTls(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const message = err instanceof Error ? err.message : '';
  if (/wrong version number|packet length too long|http request/i.test(message)) return false;
  return CERT_ERRORS.has(code) || code.startsWith('ERR_SSL_') || /alert/i.test(message);
}
