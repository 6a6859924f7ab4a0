// Real registry servers on loopback for the registry client's tests: the reference registry
// (Debian's docker-registry 2.8) with no auth, htpasswd or bearer tokens, optionally over TLS; a
// token server speaking Docker's token protocol; and a reverse proxy that injects faults.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { berthBin, ok, run, tempDir } from './helpers.ts';

export type RegistryAuth = 'none' | 'htpasswd' | 'token';

export interface User {
  username: string;
  password: string;
}

/** One entry of a token's `access` claim: what the token lets its holder do. */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** A request the token server got, as tests assert on it. */
export interface TokenRequest {
  method: 'GET' | 'POST';
  scope: string[];
  service: string;
  account?: string;
  /** The user name of the Basic credentials (GET) or of the password grant (POST), right or wrong. */
  basicAuthUser?: string;
  /** POST only: password or refresh_token. */
  grantType?: string;
  /** What the issued token allows; absent when the request was refused. */
  granted?: Access[];
}

export interface Registry {
  /** '127.0.0.1:PORT', as a client names the registry. */
  host: string;
  /** 'http://HOST' or 'https://HOST'. */
  url: string;
  /** Accepted users ('htpasswd' and 'token'): alice may push and pull; in token mode reader may only pull. */
  users: User[];
  /** With tls: a directory in Docker's certs.d layout, CERTDIR/HOST/ca.crt (skopeo's --cert-dir wants CERTDIR/HOST). */
  certDir?: string;
  /** With tls: the CA that signed the registry's certificate. */
  caFile?: string;
  /** With 'token': the token endpoint and the service name the registry announces. */
  realm?: string;
  service?: string;
  /** With 'token': every request the token server got, in order. */
  tokenRequests: TokenRequest[];
  /** The registry's own log (level info: it says there why it refused a token). */
  logs(): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  tls?: boolean;
  /** With tls: the registry demands a client certificate signed by its CA (certDir/HOST holds client.cert and client.key). */
  clientCerts?: boolean;
  auth?: RegistryAuth;
}

const TOKEN_ISSUER = 'berth-test-token-issuer';
const TOKEN_SERVICE = 'berth-test-registry'; // the service the registry announces and accepts as aud
const TOKEN_LIFETIME_S = 300;

/**
 * Starts docker-registry on a free loopback port with filesystem storage in a temporary directory,
 * and, for 'token', a token server beside it. Resolves once GET /v2/ answers.
 */
export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const auth = opts.auth ?? 'none';
  const { dir, cleanup } = await tempDir('berth-test-registry-');
  const users: User[] = auth === 'none' ? [] : [
    { username: 'alice', password: `alice-${randomBytes(6).toString('hex')}` },
    { username: 'reader', password: `reader-${randomBytes(6).toString('hex')}` },
  ];
  const tokenRequests: TokenRequest[] = [];
  const logFile = join(dir, 'registry.log');
  let child: ChildProcess | undefined;
  let tokenServer: http.Server | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => stopping ??= (async () => {
    if (child) await killAndWait(child);
    if (tokenServer) await closeServer(tokenServer);
    await cleanup();
  })();

  try {
    const config: Record<string, unknown> = {
      version: '0.1',
      // Info, not error: the registry logs why it rejects a token only at info. Output goes to a file.
      log: { level: 'info', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: join(dir, 'storage') },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: '', secret: randomBytes(16).toString('hex') },
    };
    let caFile: string | undefined;
    if (opts.tls) {
      caFile = join(dir, 'ca.crt');
      await makeCa(dir);
      await makeServerCert(dir);
      (config.http as Record<string, unknown>).tls = { certificate: join(dir, 'server.crt'), key: join(dir, 'server.key'), ...(opts.clientCerts ? { clientcas: [caFile] } : {}) };
      if (opts.clientCerts) await makeClientCert(dir);
    }
    const client = opts.clientCerts ? { cert: await readFile(join(dir, 'client.cert')), key: await readFile(join(dir, 'client.key')) } : undefined;
    let realm: string | undefined;
    if (auth === 'htpasswd') {
      const lines = await Promise.all(users.map(async (u) => (await ok(run('htpasswd', ['-Bbn', u.username, u.password]))).stdout.trim()));
      await writeFile(join(dir, 'htpasswd'), lines.join('\n') + '\n');
      config.auth = { htpasswd: { realm: 'berth-test', path: join(dir, 'htpasswd') } };
    } else if (auth === 'token') {
      const signer = await makeTokenSigner(dir);
      tokenServer = await startTokenServer(signer, users, tokenRequests);
      realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
      config.auth = { token: { realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: signer.certFile } };
    }

    // Another process may take the free port before the registry binds it: then try another.
    for (let attempt = 1; ; attempt++) {
      const host = `127.0.0.1:${await freePort()}`;
      (config.http as Record<string, unknown>).addr = host;
      // YAML is a superset of JSON, so JSON.stringify writes a config the registry reads.
      const configFile = join(dir, 'config.yml');
      await writeFile(configFile, JSON.stringify(config, null, 2));
      const url = `${opts.tls ? 'https' : 'http'}://${host}`;
      child = spawnLogged('docker-registry', ['serve', configFile], logFile);
      const ca = caFile ? await readFile(caFile) : undefined;
      if (await waitUntilServing(child, `${url}/v2/`, ca, client)) {
        let certDir: string | undefined;
        if (caFile) {
          certDir = join(dir, 'certs.d');
          await mkdir(join(certDir, host), { recursive: true });
          await writeFile(join(certDir, host, 'ca.crt'), ca as Buffer);
          if (client) {
            await writeFile(join(certDir, host, 'client.cert'), client.cert);
            await writeFile(join(certDir, host, 'client.key'), client.key);
          }
        }
        return {
          host, url, users, certDir, caFile, realm, tokenRequests, stop,
          service: auth === 'token' ? TOKEN_SERVICE : undefined,
          logs: () => readFileSync(logFile, 'utf8'),
        };
      }
      await killAndWait(child);
      const log = readFileSync(logFile, 'utf8');
      if (!/address already in use/.test(log) || attempt === 5) throw new Error(`docker-registry did not start:\n${log}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Processes and ports

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Spawns with stdout and stderr to a fresh file: no pipes to drain, nothing lost when it dies. */
function spawnLogged(cmd: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'w');
  try {
    // REGISTRY_* variables override the config file: none of the caller's may leak in.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    return spawn(cmd, args, { stdio: ['ignore', fd, fd], env });
  } finally {
    closeSync(fd);
  }
}

/** Polls URL until it answers 200 or 401 (true), the process exits or 15 s pass (false). */
async function waitUntilServing(child: ChildProcess, url: string, ca?: Buffer, client?: { cert: Buffer; key: Buffer }): Promise<boolean> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const status = await httpRequest(url, { ca, ...client, timeoutMs: 1000 }).then((r) => r.status, () => 0);
    if (status === 200 || status === 401) return true;
    await sleep(100);
  }
  return false;
}

/** SIGTERM, SIGKILL after 5 s, and resolves when the process has exited. */
async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections(); // keep-alive connections would hold close() open
  await closed;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Certificates (openssl CLI; throw-away, valid for a day)

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];

/** DIR/ca.crt and DIR/ca.key: a CA that can only sign certificates. */
export async function makeCa(dir: string): Promise<void> {
  await ok(run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'),
    '-subj', '/CN=berth test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']));
}

/** DIR/server.crt and DIR/server.key, signed by the CA, for 127.0.0.1 and localhost. */
export async function makeServerCert(dir: string): Promise<void> {
  await ok(run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt'),
    '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'extendedKeyUsage=serverAuth']));
}

/** DIR/client.cert and DIR/client.key, signed by the CA, for TLS client authentication. */
export async function makeClientCert(dir: string): Promise<void> {
  await ok(run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', join(dir, 'client.key'), '-out', join(dir, 'client.cert'),
    '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-subj', '/CN=berth test client',
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=clientAuth']));
}

// ---------------------------------------------------------------------------------------------
// Token server (https://distribution.github.io/distribution/spec/auth/token/)

interface TokenSigner {
  certFile: string;
  key: KeyObject;
  /** The certificate in DER, base64 (not base64url), as the JWT header's x5c wants it. */
  x5c: string;
}

/**
 * A self-signed EC certificate that signs the tokens. It is the registry's whole rootcertbundle;
 * each token carries it in its x5c header, and the registry checks that chain against the bundle.
 */
async function makeTokenSigner(dir: string): Promise<TokenSigner> {
  const certFile = join(dir, 'token.crt');
  await ok(run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', join(dir, 'token.key'), '-out', certFile, '-subj', `/CN=${TOKEN_ISSUER}`]));
  const cert = new X509Certificate(await readFile(certFile));
  return { certFile, key: createPrivateKey(await readFile(join(dir, 'token.key'))), x5c: cert.raw.toString('base64') };
}

/** A JWT for SERVICE: the registry checks iss, aud, exp and nbf (60 s leeway each) and the signature. */
function signToken(signer: TokenSigner, service: string, subject: string, access: Access[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [signer.x5c] };
  // aud is the service the client named, so a client that names the wrong one gets a token the
  // registry refuses; 2.8 wants aud as a string (an array is a "malformed token").
  const claims = {
    iss: TOKEN_ISSUER, sub: subject, aud: service,
    exp: now + TOKEN_LIFETIME_S, nbf: now, iat: now, jti: randomBytes(12).toString('hex'), access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  // JWS wants ECDSA signatures as r||s (IEEE P1363), not node's default DER: 2.8 refuses DER.
  const signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

/** 'repository:NAME:pull,push' → Access; names hold no ':', but a type may carry a class ('repository(plugin)'). */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

/**
 * What each user gets: alice everything she asks for; reader only pull on repositories; anyone,
 * even anonymous, pull on repositories under 'public/'. Scopes that grant nothing are left out.
 */
function grant(user: string | undefined, scopes: string[]): Access[] {
  const granted: Access[] = [];
  for (const a of scopes.map(parseScope)) {
    if (!a) continue;
    let actions: string[] = [];
    if (user === 'alice') actions = a.actions;
    else if (a.type === 'repository' && (user === 'reader' || a.name.startsWith('public/'))) actions = a.actions.filter((x) => x === 'pull');
    if (actions.length > 0) granted.push({ ...a, actions });
  }
  return granted;
}

/**
 * GET /token?service=&scope=&account= with optional Basic credentials (the classic flow, which
 * skopeo uses), and POST /token with an OAuth2 form, grant_type=password or refresh_token
 * (docker's newer flow). Wrong credentials: 401 (GET), 400 invalid_grant (POST, RFC 6749).
 */
async function startTokenServer(signer: TokenSigner, users: User[], log: TokenRequest[]): Promise<http.Server> {
  const refreshTokens = new Map<string, string>(); // refresh token → user name
  const checkPassword = (name: string, password: string): boolean => users.some((u) => u.username === name && u.password === password);
  const answer = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  /** Grants, signs, records what was granted; a refresh token too when asked for (and not anonymous). */
  const issue = (entry: TokenRequest, user: string | undefined, withRefresh: boolean): { token: string; refresh?: string } => {
    entry.granted = grant(user, entry.scope);
    const token = signToken(signer, entry.service, user ?? '', entry.granted);
    if (!withRefresh || !user) return { token };
    const refresh = randomBytes(16).toString('hex');
    refreshTokens.set(refresh, user);
    return { token, refresh };
  };
  const times = (): Record<string, unknown> => ({ expires_in: TOKEN_LIFETIME_S, issued_at: new Date().toISOString() });

  const onGet = (req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams): void => {
    const entry: TokenRequest = { method: 'GET', scope: q.getAll('scope'), service: q.get('service') ?? '', account: q.get('account') ?? undefined };
    log.push(entry);
    let user: string | undefined;
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [name = '', ...rest] = Buffer.from(basic[1] as string, 'base64').toString().split(':');
      entry.basicAuthUser = name;
      if (!checkPassword(name, rest.join(':'))) return answer(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong user name or password' }] });
      user = name;
    }
    const { token, refresh } = issue(entry, user, q.get('offline_token') === 'true');
    answer(res, 200, { token, access_token: token, refresh_token: refresh, ...times() });
  };

  const onPost = (res: http.ServerResponse, form: URLSearchParams): void => {
    const grantType = form.get('grant_type') ?? '';
    // OAuth2 puts several scopes in one parameter, separated by spaces.
    const scope = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const entry: TokenRequest = { method: 'POST', scope, service: form.get('service') ?? '', grantType };
    log.push(entry);
    let user: string | undefined;
    if (grantType === 'password') {
      entry.basicAuthUser = form.get('username') ?? '';
      if (checkPassword(entry.basicAuthUser, form.get('password') ?? '')) user = entry.basicAuthUser;
    } else if (grantType === 'refresh_token') {
      user = refreshTokens.get(form.get('refresh_token') ?? '');
    } else {
      return answer(res, 400, { error: 'unsupported_grant_type' });
    }
    if (!user) return answer(res, 400, { error: 'invalid_grant' });
    const { token, refresh } = issue(entry, user, grantType === 'password' && form.get('access_type') === 'offline');
    answer(res, 200, { access_token: token, refresh_token: refresh, scope: scope.join(' '), ...times() });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token') return answer(res, 404, { error: 'not_found' });
    if (req.method === 'GET') return onGet(req, res, url.searchParams);
    if (req.method !== 'POST') return answer(res, 405, { error: 'method_not_allowed' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => onPost(res, new URLSearchParams(Buffer.concat(chunks).toString())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// ---------------------------------------------------------------------------------------------
// Faulty proxy

export type FaultKind = 'status500' | 'truncate' | 'corrupt' | 'reset' | 'delay' | 'redirect';

export interface Fault {
  kind: FaultKind;
  /** Matched against the request's path with its query. */
  path: RegExp;
  /** Only this method; truncate and corrupt default to GET (they need a body), the others to any. */
  method?: string;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** For delay: how long to wait before forwarding. */
  ms?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  fault?: FaultKind;
}

export interface FaultyProxy {
  host: string;
  url: string;
  /** Replaces the faults still to inject. */
  setFaults(faults: Fault[]): void;
  /** Every request the proxy got, in order, with the fault it got if any. */
  requests: ProxiedRequest[];
  /** How many requests matched PATH (and METHOD, if given): retries show up here. */
  count(path: RegExp, method?: string): number;
  stop(): Promise<void>;
}

/**
 * A plain-HTTP reverse proxy on loopback in front of UPSTREAM ('127.0.0.1:PORT'; https when a CA
 * is given). It forwards everything unchanged (Range included), rewrites a Location that points
 * at the upstream, and injects the faults set with setFaults.
 */
export async function startFaultyProxy(upstreamHost: string, opts: { ca?: Buffer | string } = {}): Promise<FaultyProxy> {
  const upstreamUrl = `${opts.ca ? 'https' : 'http'}://${upstreamHost}`;
  const client = opts.ca ? https : http;
  const agent = opts.ca ? new https.Agent({ ca: opts.ca, keepAlive: true }) : new http.Agent({ keepAlive: true });
  let faults: (Fault & { left: number })[] = [];
  const requests: ProxiedRequest[] = [];
  let proxyUrl = '';

  const takeFault = (method: string, path: string): Fault | undefined => {
    const f = faults.find((x) => x.left > 0 && x.path.test(path)
      && (x.method ?? (x.kind === 'truncate' || x.kind === 'corrupt' ? 'GET' : method)) === method);
    if (f) f.left--;
    return f;
  };

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = takeFault(method, path);
    requests.push({ method, path, fault: fault?.kind });
    if (fault?.kind === 'reset') return void req.socket.destroy();
    // redirect: 307 to the upstream itself, another host, as a registry sends blobs to storage.
    if (fault?.kind === 'redirect') {
      req.resume();
      return void res.writeHead(307, { location: `${upstreamUrl}${path}` }).end();
    }
    if (fault?.kind === 'status500') {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'unknown error', detail: 'fault injected by the test proxy' }] }));
    }
    const forward = (): void => {
      const up = client.request(`${upstreamUrl}${path}`, { method, agent, headers: { ...withoutHopByHop(req.headers), host: upstreamHost } }, (upRes) => {
        const headers = withoutHopByHop(upRes.headers);
        if (typeof headers.location === 'string' && headers.location.startsWith(upstreamUrl)) {
          headers.location = proxyUrl + headers.location.slice(upstreamUrl.length);
        }
        if (fault?.kind !== 'truncate' && fault?.kind !== 'corrupt') {
          res.writeHead(upRes.statusCode ?? 502, headers);
          return void upRes.pipe(res);
        }
        // Body faults: read it all, then send it damaged under the original headers.
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(upRes.statusCode ?? 502, headers);
          if (fault.kind === 'corrupt') {
            if (body.length > 0) body[body.length >> 1] = (body[body.length >> 1] as number) ^ 0xff;
            return void res.end(body);
          }
          // truncate: half the body, then the connection dies with Content-Length unfulfilled.
          res.write(body.subarray(0, body.length >> 1), () => res.destroy());
        });
      });
      up.on('error', (e) => {
        if (res.headersSent) res.destroy();
        else res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${e.message}`);
      });
      req.pipe(up);
    };
    if (fault?.kind === 'delay') setTimeout(forward, fault.ms ?? 1000);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxyUrl = `http://${host}`;
  let stopping: Promise<void> | undefined;
  return {
    host, url: proxyUrl, requests,
    setFaults: (list) => { faults = list.map((f) => ({ ...f, left: f.times ?? 1 })); },
    count: (path, method) => requests.filter((r) => path.test(r.path) && (!method || r.method === method)).length,
    stop: () => stopping ??= (async () => {
      await closeServer(server);
      agent.destroy();
    })(),
  };
}

/** Connection management is per hop: each side of the proxy does its own. */
function withoutHopByHop(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const { connection: _c, 'keep-alive': _k, ...rest } = headers;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// A small HTTP client that can trust a test CA (node's fetch cannot be given one).

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request, its whole answer; rejects when nothing arrives for timeoutMs (default 30 s). */
export function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; ca?: Buffer | string; cert?: Buffer; key?: Buffer; timeoutMs?: number } = {}): Promise<HttpResponse> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca, cert: opts.cert, key: opts.key, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** sha256:HEX of DATA, as registries name blobs. */
export function digestOf(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// berth's own registry (`berth registry serve`), with the same shape as the reference one

export interface BerthRegistryOptions {
  tls?: boolean;
  /** 'htpasswd': basic auth; 'token': bearer tokens issued by berth's registry at /token. */
  auth?: RegistryAuth;
  anonymousRead?: boolean;
  /** Reuse a storage directory (to restart a registry over the same data). */
  storage?: string;
}

/** Starts `berth registry serve` on a free loopback port; resolves once GET /v2/ answers. */
export async function startBerthRegistry(opts: BerthRegistryOptions = {}): Promise<Registry & { storage: string }> {
  const auth = opts.auth ?? 'none';
  const { dir, cleanup } = await tempDir('berth-test-bregistry-');
  const users: User[] = auth === 'none' ? [] : [{ username: 'alice', password: `alice-${randomBytes(6).toString('hex')}` }];
  const logFile = join(dir, 'registry.log');
  const storage = opts.storage ?? join(dir, 'storage');
  const args = ['--root', join(dir, 'root'), 'registry', 'serve', '--storage', storage];
  let caFile: string | undefined;
  if (opts.tls) {
    caFile = join(dir, 'ca.crt');
    await makeCa(dir);
    await makeServerCert(dir);
    args.push('--tls-cert', join(dir, 'server.crt'), '--tls-key', join(dir, 'server.key'));
  }
  if (auth !== 'none') {
    const lines = await Promise.all(users.map(async (u) => (await ok(run('htpasswd', ['-Bbn', u.username, u.password]))).stdout.trim()));
    await writeFile(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
    args.push('--htpasswd', join(dir, 'htpasswd'));
    if (auth === 'token') args.push('--token-auth');
    if (opts.anonymousRead) args.push('--anonymous-read');
  }
  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => stopping ??= (async () => {
    if (child) await killAndWait(child);
    await cleanup();
  })();
  try {
    for (let attempt = 1; ; attempt++) {
      const host = `127.0.0.1:${await freePort()}`;
      const url = `${opts.tls ? 'https' : 'http'}://${host}`;
      child = spawnLogged(berthBin, [...args, '--listen', host], logFile);
      const ca = caFile ? await readFile(caFile) : undefined;
      if (await waitUntilServing(child, `${url}/v2/`, ca)) {
        let certDir: string | undefined;
        if (ca) {
          certDir = join(dir, 'certs.d');
          await mkdir(join(certDir, host), { recursive: true });
          await writeFile(join(certDir, host, 'ca.crt'), ca);
        }
        return { host, url, users, certDir, caFile, tokenRequests: [], stop, storage, logs: () => readFileSync(logFile, 'utf8') };
      }
      await killAndWait(child);
      if (attempt === 3) throw new Error(`berth registry serve did not start:\n${readFileSync(logFile, 'utf8')}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
