// An OCI distribution-spec conformance suite in raw HTTP, to run against any registry: the four
// workflows of the spec (pull, push, content discovery, content management) plus hostile input.
//
// Spec references are to the OCI Distribution Specification v1.1 (spec.md), its endpoint table
// (end-N) and its error code table (code-N).
//
// How strict: every MUST is asserted. A SHOULD is asserted only where every real client depends on
// it (Docker-Content-Digest, Content-Type and Content-Length on manifests and blobs, Range
// requests, the spec's JSON error body with the code the error table names): those checks say
// "(SHOULD)". Where the spec allows several answers (201 or 202, accept or reject, 400 or 405),
// all of them pass. Legacy Docker headers the spec calls OPTIONAL (Docker-Upload-UUID) are only
// checked when present. Hostile input is held to what the spec says, no more: a refusal whose
// status the spec leaves open may be any it allows (400 or 404 …) with any of its error codes.
//
// A registry declares what it lacks (those checks are skipped) and its known deviations (those
// checks still run, and a failure is reported as TODO instead of failing the run).
import { describe, it, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { httpRequest, digestOf, type HttpResponse } from './registry-servers.ts';

/** Optional parts of the spec (or of Docker's API, for the catalog) a registry may not implement. */
export type RegistryFeature = 'referrers' | 'catalog' | 'delete-manifest' | 'delete-blob' | 'mount';

/**
 * Known deviations from the spec. The checks they break still run, but a failure is reported as
 * TODO (with the deviation's description) instead of failing the run.
 */
export type RegistryDeviation = keyof typeof DEVIATIONS;

const DEVIATIONS = {
  'tag-order': 'tags/list is not in lexical order (end-8a: "the tags MUST be in lexical order")',
  'tag-paging': 'tags/list ignores n and last (end-8b: "the response MUST include <int> results")',
  'chunk-order': 'PATCH ignores Content-Range: an out-of-order chunk is appended (202), not refused (end-5: "MUST respond with a 416")',
  'range-416-framing': 'an unsatisfiable Range gets a 416 whose Content-Length is not the length of its body (RFC 9112 6.3): the answer is cut short',
  'malformed-digest-500': 'a malformed digest as a manifest reference or in a manifest descriptor gets 500 UNKNOWN, not a 4xx',
};

export interface RegistryUnderTest {
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
  /** features the server lacks: skip those checks */
  lacks?: RegistryFeature[];
  /** known deviations from the spec: those checks are reported as TODO, not failures */
  deviations?: RegistryDeviation[];
}

// ---------------------------------------------------------------------------------------------
// Media types and content

const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** What a client that pulls every kind of manifest sends (spec: the client SHOULD send Accept). */
const ACCEPT_MANIFESTS = [MT.ociManifest, MT.ociIndex, MT.dockerManifest, MT.dockerList].join(', ');

/** code-1 … code-14: "The code field MUST be one of the following". */
const SPEC_ERROR_CODES = new Set([
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID', 'MANIFEST_UNKNOWN', 'NAME_INVALID', 'NAME_UNKNOWN', 'SIZE_INVALID', 'UNAUTHORIZED',
  'DENIED', 'UNSUPPORTED', 'TOOMANYREQUESTS',
  // "Legacy Docker support error codes": the client MAY encounter these.
  'TAG_INVALID', 'MANIFEST_UNVERIFIED',
]);

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

/** A manifest as pushed: its exact bytes, digest and media type. */
interface Pushed {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

function descriptorOf(data: Buffer, mediaType: string): Descriptor {
  return { mediaType, digest: digestOf(data), size: data.length };
}

const manifestDescriptor = (m: Pushed, extra: Partial<Descriptor> = {}): Descriptor =>
  ({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, ...extra });

function imageManifest(config: Descriptor, layers: Descriptor[], extra: Record<string, unknown> = {}, mediaType: string = MT.ociManifest): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config, layers, ...extra }));
}

function indexManifest(manifests: Descriptor[], extra: Record<string, unknown> = {}, mediaType: string = MT.ociIndex): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests, ...extra }));
}

/** An image config that differs for every SEED, so each test's blobs are its own. */
function imageConfig(seed: string): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Labels: { seed } }, rootfs: { type: 'layers', diff_ids: [digestOf(seed)] },
  }));
}

/** sha256:HEX of random bytes: a digest no registry holds. */
const unknownDigest = (): string => digestOf(randomBytes(32));

// ---------------------------------------------------------------------------------------------
// Responses

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The Content-Type without parameters (the client SHOULD ignore them). */
const mediaTypeOf = (res: HttpResponse): string | undefined => header(res, 'content-type')?.split(';')[0]?.trim();

/** Status and the start of the body, for assertion messages. */
function show(res: HttpResponse): string {
  const text = res.body.subarray(0, 400).toString().replace(/\s+/g, ' ');
  return `${res.status}${text ? ` ${text}` : ''}`;
}

function expectStatus(res: HttpResponse, allowed: number | number[], what: string): void {
  const list = Array.isArray(allowed) ? allowed : [allowed];
  assert.ok(list.includes(res.status), `${what}: expected ${list.join(' or ')}, got ${show(res)}`);
}

function json(res: HttpResponse, what: string): unknown {
  try {
    return JSON.parse(res.body.toString());
  } catch {
    assert.fail(`${what}: the body is not JSON: ${show(res)}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The codes of the spec's JSON error body ({"errors":[{"code":…}]}), or undefined when the body is
 * not one (a 4xx body MAY be in any format). Each code must be in the spec's table: "The code field
 * MUST be one of the following", "containing only uppercase alphabetic characters and underscores".
 */
function errorCodes(res: HttpResponse): string[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString());
  } catch {
    return undefined;
  }
  if (!isRecord(doc) || !Array.isArray(doc.errors)) return undefined;
  const codes = doc.errors.map((e) => (isRecord(e) && typeof e.code === 'string' ? e.code : ''));
  for (const code of codes) assert.ok(SPEC_ERROR_CODES.has(code), `error code ${JSON.stringify(code)} is not one of the spec's (Error Codes): ${show(res)}`);
  return codes;
}

/**
 * The spec's error answer: STATUS and (SHOULD) the JSON error body with one of CODES. HEAD answers
 * carry no body, so only their status is checked.
 */
function expectError(res: HttpResponse, status: number | number[], codes: string | string[], what: string, method = 'GET'): void {
  expectStatus(res, status, what);
  if (method === 'HEAD') return;
  const want = Array.isArray(codes) ? codes : [codes];
  const got = errorCodes(res);
  assert.ok(got, `${what}: expected a JSON error body {"errors":[{"code":${want.join('|')}}]}, got ${show(res)}`);
  assert.ok(got.some((c) => want.includes(c)), `${what}: expected error code ${want.join(' or ')}, got ${got.join(', ')}`);
}

/** Redirects: a server that cleans a path answers with one (Go's net/http and gorilla/mux do). */
const REDIRECTS = [301, 302, 303, 307, 308];

/** A refusal whose code the spec leaves open: status in ALLOWED, and a JSON body, if any, holds only spec codes. */
function expectRefused(res: HttpResponse, allowed: number[], what: string): void {
  expectStatus(res, allowed, what);
  errorCodes(res);
}

/** The target of a `Link: <URL>; rel="next"` header (RFC 5988), resolved against BASE. */
function nextLink(res: HttpResponse, base: string): string | undefined {
  const link = header(res, 'link');
  if (!link) return undefined;
  const m = /<([^>]*)>\s*;\s*rel="?next"?/.exec(link);
  assert.ok(m, `a Link header must be RFC 5988 with rel="next": ${link}`);
  return new URL(m[1] as string, base).href;
}

// ---------------------------------------------------------------------------------------------
// The client: raw HTTP and the few steps every check repeats

class Client {
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  /** METHOD PATH (absolute, or relative to the registry, as a Location may be). */
  send(method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<HttpResponse> {
    const headers = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(opts.body));
    return httpRequest(new URL(path, this.base).href, { method, headers, body: opts.body });
  }

  /**
   * A request whose path goes out byte for byte. URL parsers (node's included) remove dot segments
   * and decode %2e; hostile-name checks need them to reach the registry as written.
   */
  sendRaw(method: string, rawPath: string, opts: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<HttpResponse> {
    const { hostname, port } = new URL(this.base);
    const headers = { ...opts.headers, ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) };
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname, port, path: rawPath, method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${method} ${rawPath}`)));
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  /** LOCATION (absolute or relative) resolved, with PARAMS added to the query it may already carry. */
  withQuery(location: string, params: Record<string, string>): string {
    const url = new URL(location, this.base);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.href;
  }

  /** POST /v2/NAME/blobs/uploads/ (end-4a): 202 and the session's Location. */
  async startUpload(repo: string): Promise<string> {
    const res = await this.send('POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
    expectStatus(res, 202, `POST /v2/${repo}/blobs/uploads/`);
    const location = header(res, 'location');
    assert.ok(location, `POST /v2/${repo}/blobs/uploads/ must answer with a Location: ${show(res)}`);
    return location;
  }

  /** Monolithic upload, POST then PUT (end-4a, end-6); returns the digest. */
  async pushBlob(repo: string, data: Buffer): Promise<string> {
    const digest = digestOf(data);
    const location = await this.startUpload(repo);
    const res = await this.send('PUT', this.withQuery(location, { digest }), { headers: { 'content-type': 'application/octet-stream' }, body: data });
    expectStatus(res, 201, `PUT ${repo} blob upload`);
    return digest;
  }

  putManifest(repo: string, ref: string, bytes: Buffer | string, mediaType: string): Promise<HttpResponse> {
    return this.send('PUT', `/v2/${repo}/manifests/${ref}`, { headers: { 'content-type': mediaType }, body: bytes });
  }

  /** PUT /v2/NAME/manifests/REF (end-7), which must succeed. */
  async pushManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<Pushed> {
    const res = await this.putManifest(repo, ref, bytes, mediaType);
    expectStatus(res, 201, `PUT /v2/${repo}/manifests/${ref}`);
    return { bytes, digest: digestOf(bytes), mediaType };
  }

  getManifest(repo: string, ref: string, method = 'GET'): Promise<HttpResponse> {
    return this.send(method, `/v2/${repo}/manifests/${ref}`, { headers: { accept: ACCEPT_MANIFESTS } });
  }

  /** A config and a layer, then an image manifest (OCI, or Docker schema 2) under TAG, or under its digest when no tag is given. */
  async pushImage(repo: string, opts: { tag?: string; docker?: boolean; extra?: Record<string, unknown> } = {}): Promise<Pushed & { config: Descriptor; layer: Descriptor }> {
    const seed = randomUUID();
    const configBytes = imageConfig(seed);
    const layerBytes = randomBytes(512);
    const config = descriptorOf(configBytes, opts.docker ? MT.dockerConfig : MT.ociConfig);
    const layer = descriptorOf(layerBytes, opts.docker ? MT.dockerLayer : MT.ociLayer);
    await this.pushBlob(repo, configBytes);
    await this.pushBlob(repo, layerBytes);
    const mediaType = opts.docker ? MT.dockerManifest : MT.ociManifest;
    const bytes = imageManifest(config, [layer], opts.extra, mediaType);
    const pushed = await this.pushManifest(repo, opts.tag ?? digestOf(bytes), bytes, mediaType);
    return { ...pushed, config, layer };
  }

  /** tags/list as {name, tags}; asserts 200 and the shape (end-8a). */
  async tags(repo: string, query = ''): Promise<{ res: HttpResponse; tags: string[] }> {
    const res = await this.send('GET', `/v2/${repo}/tags/list${query}`);
    return { res, tags: tagsOf(res, repo) };
  }
}

function tagsOf(res: HttpResponse, repo: string): string[] {
  expectStatus(res, 200, `tags/list of ${repo}`);
  const doc = json(res, 'tags/list');
  assert.ok(isRecord(doc), `tags/list must be a JSON object: ${show(res)}`);
  assert.equal(doc.name, repo, 'tags/list: "name" is the repository');
  assert.ok(Array.isArray(doc.tags) && doc.tags.every((t) => typeof t === 'string'), `tags/list: "tags" must be a list of strings: ${show(res)}`);
  return doc.tags as string[];
}

/** Byte order of ASCII tags: "lexical order" for the tags the suite uses (lower case, digits, '.', '-'). */
const lexical = (list: string[]): string[] => [...list].sort();

// ---------------------------------------------------------------------------------------------
// The suite

/**
 * Registers NAME's conformance tests (node:test): START runs once before them, its registry's stop
 * once after. Each check uses repositories of its own under a prefix unique to the run. (describe()
 * and it() return promises the runner tracks itself: hence the voids.)
 */
export function conformanceTests(name: string, start: () => Promise<RegistryUnderTest>): void {
  let reg: RegistryUnderTest | undefined;
  let api: Client;
  const prefix = `conformance-${randomBytes(3).toString('hex')}`;
  /** A repository name of this run, for one check. */
  const repoName = (label: string): string => `${prefix}/${label}`;

  interface CheckOpts {
    /** Skip when the registry lacks this feature. */
    feature?: RegistryFeature;
    /** Report a failure as TODO when the registry declares this deviation. */
    deviation?: RegistryDeviation;
  }

  const check = (title: string, opts: CheckOpts, fn: (t: TestContext) => Promise<void>): void => {
    void it(title, { timeout: 120_000 }, async (t) => {
      assert.ok(reg, 'the registry did not start');
      if (opts.feature && reg.lacks?.includes(opts.feature)) return t.skip(`the registry lacks ${opts.feature}`);
      if (opts.deviation && reg.deviations?.includes(opts.deviation)) t.todo(`known deviation: ${DEVIATIONS[opts.deviation]}`);
      await fn(t);
    });
  };

  const has = (feature: RegistryFeature): boolean => !reg?.lacks?.includes(feature);

  void describe(name, () => {
    before(async () => {
      reg = await start();
      api = new Client(reg.url);
    });
    after(() => reg?.stop());

    // API: Determining Support (end-1).
    check('GET /v2/ answers 200 (end-1)', {}, async () => {
      expectStatus(await api.send('GET', '/v2/'), 200, 'GET /v2/');
    });

    void describe('pull', () => {
      check('manifests by tag and by digest, GET and HEAD, in OCI and Docker media types (end-3)', {}, async () => {
        const repo = repoName('pull-manifests');
        const oci = await api.pushImage(repo, { tag: 'oci' });
        const docker = await api.pushImage(repo, { tag: 'docker', docker: true });
        const platform = { architecture: 'amd64', os: 'linux' };
        const ociIndex = await api.pushManifest(repo, 'oci-index', indexManifest([manifestDescriptor(oci, { platform })]), MT.ociIndex);
        const dockerList = await api.pushManifest(repo, 'docker-list', indexManifest([manifestDescriptor(docker, { platform })], {}, MT.dockerList), MT.dockerList);
        for (const [tag, m] of [['oci', oci], ['docker', docker], ['oci-index', ociIndex], ['docker-list', dockerList]] as const) {
          for (const ref of [tag, m.digest]) {
            const what = `GET ${repo}:${ref}`;
            const got = await api.getManifest(repo, ref);
            expectStatus(got, 200, what);
            assert.ok(got.body.equals(m.bytes), `${what}: the manifest, byte for byte as pushed`);
            // (SHOULD) "The Content-Type header SHOULD match what the client pushed".
            assert.equal(mediaTypeOf(got), m.mediaType, `${what}: Content-Type`);
            // (SHOULD) Docker-Content-Digest; when present, it is the manifest's digest.
            assert.equal(header(got, 'docker-content-digest'), m.digest, `${what}: Docker-Content-Digest`);
            const head = await api.getManifest(repo, ref, 'HEAD');
            expectStatus(head, 200, `HEAD ${repo}:${ref}`);
            assert.equal(head.body.length, 0, `HEAD ${repo}:${ref}: no body`);
            // (SHOULD) "A successful response SHOULD contain the size … in the header Content-Length".
            assert.equal(header(head, 'content-length'), String(m.bytes.length), `HEAD ${repo}:${ref}: Content-Length`);
            assert.equal(header(head, 'docker-content-digest'), m.digest, `HEAD ${repo}:${ref}: Docker-Content-Digest`);
            assert.equal(mediaTypeOf(head), m.mediaType, `HEAD ${repo}:${ref}: Content-Type`);
          }
        }
      });

      check('blobs, GET and HEAD (end-2)', {}, async () => {
        const repo = repoName('pull-blobs');
        const data = randomBytes(3000);
        const digest = await api.pushBlob(repo, data);
        const got = await api.send('GET', `/v2/${repo}/blobs/${digest}`);
        expectStatus(got, 200, 'GET blob');
        assert.ok(got.body.equals(data), 'GET blob: the bytes pushed');
        // "If present, the value of this header MUST be a digest matching that of the response body."
        const dcd = header(got, 'docker-content-digest');
        if (dcd !== undefined) assert.equal(dcd, digest, 'GET blob: Docker-Content-Digest');
        const head = await api.send('HEAD', `/v2/${repo}/blobs/${digest}`);
        expectStatus(head, 200, 'HEAD blob');
        assert.equal(head.body.length, 0, 'HEAD blob: no body');
        assert.equal(header(head, 'content-length'), String(data.length), 'HEAD blob: Content-Length (SHOULD)');
        const headDcd = header(head, 'docker-content-digest');
        if (headDcd !== undefined) assert.equal(headDcd, digest, 'HEAD blob: Docker-Content-Digest');
      });

      check('blob Range requests: 206 with Content-Range (Pulling blobs: Range, SHOULD)', {}, async () => {
        const repo = repoName('pull-range');
        const data = randomBytes(1000);
        const digest = await api.pushBlob(repo, data);
        const cases: [string, number, number][] = [['bytes=10-99', 10, 99], ['bytes=900-', 900, 999], ['bytes=-100', 900, 999], ['bytes=0-5000', 0, 999]];
        for (const [range, first, last] of cases) {
          const res = await api.send('GET', `/v2/${repo}/blobs/${digest}`, { headers: { range } });
          expectStatus(res, 206, `GET blob, Range: ${range}`);
          assert.equal(header(res, 'content-range'), `bytes ${first}-${last}/${data.length}`, `Range: ${range}: Content-Range`);
          assert.ok(res.body.equals(data.subarray(first, last + 1)), `Range: ${range}: those bytes`);
        }
      });

      check('a blob Range past the end: 416 with Content-Range bytes */SIZE, or 200 with the blob (RFC 9110 14.1.2, 15.5.17)', { deviation: 'range-416-framing' }, async () => {
        const repo = repoName('pull-range-past-end');
        const data = randomBytes(1000);
        const digest = await api.pushBlob(repo, data);
        // An unsatisfiable range is 416 … unless the server ignores Range, which it MAY (200).
        const past = await api.send('GET', `/v2/${repo}/blobs/${digest}`, { headers: { range: `bytes=${data.length}-` } });
        expectStatus(past, [416, 200], 'GET blob, Range past the end');
        if (past.status === 200) assert.ok(past.body.equals(data), 'a 200 carries the whole blob');
        else assert.equal(header(past, 'content-range'), `bytes */${data.length}`, '416: Content-Range (RFC 9110 15.5.17: SHOULD)');
      });

      check('unknown manifests and blobs are 404 MANIFEST_UNKNOWN / BLOB_UNKNOWN (end-2, end-3)', {}, async () => {
        const repo = repoName('pull-unknown');
        await api.pushImage(repo, { tag: 'present' });
        for (const ref of ['absent', unknownDigest()]) {
          for (const method of ['GET', 'HEAD']) {
            expectError(await api.getManifest(repo, ref, method), 404, 'MANIFEST_UNKNOWN', `${method} manifest ${ref}`, method);
          }
        }
        const digest = unknownDigest();
        for (const method of ['GET', 'HEAD']) {
          expectError(await api.send(method, `/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN', `${method} unknown blob`, method);
        }
      });

      check('a repository that does not exist is 404 (Pushing Manifests: "pull a nonexistent repository MUST return 404")', {}, async () => {
        const repo = repoName('pull-never-pushed');
        expectError(await api.getManifest(repo, 'latest'), 404, ['NAME_UNKNOWN', 'MANIFEST_UNKNOWN'], 'GET manifest of an unknown repository');
        expectError(await api.getManifest(repo, unknownDigest()), 404, ['NAME_UNKNOWN', 'MANIFEST_UNKNOWN'], 'GET manifest by digest of an unknown repository');
        expectError(await api.send('GET', `/v2/${repo}/blobs/${unknownDigest()}`), 404, ['NAME_UNKNOWN', 'BLOB_UNKNOWN'], 'GET blob of an unknown repository');
        expectError(await api.send('GET', `/v2/${repo}/tags/list`), 404, 'NAME_UNKNOWN', 'tags/list of an unknown repository');
      });
    });

    void describe('push', () => {
      check('POST opens an upload session: 202, a Location of its own; GET on it is 204 with Location (end-4a, end-13)', {}, async () => {
        const repo = repoName('push-session');
        const res = await api.send('POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
        expectStatus(res, 202, 'POST upload');
        const location = header(res, 'location');
        assert.ok(location, 'POST upload: Location');
        // Docker-Upload-UUID is a legacy Docker header (OPTIONAL); when sent, the Location names it.
        const uuid = header(res, 'docker-upload-uuid');
        if (uuid !== undefined) assert.ok(uuid && location.includes(uuid), `Docker-Upload-UUID ${uuid} names the session in the Location ${location}`);
        // "The <location> MUST contain a UUID representing a unique session ID."
        assert.notEqual(await api.startUpload(repo), location, 'each POST opens a session of its own');
        const status = await api.send('GET', location);
        expectStatus(status, 204, 'GET upload status');
        assert.ok(header(status, 'location'), 'GET upload status: Location');
        assert.match(header(status, 'range') ?? '', /^0-\d+$/, 'GET upload status: Range 0-<end-of-range>');
      });

      check('monolithic upload, POST then PUT ?digest=: 201 and a Location that serves the blob (end-4a, end-6)', {}, async () => {
        const repo = repoName('push-monolithic');
        const data = randomBytes(5000);
        const digest = digestOf(data);
        const location = await api.startUpload(repo);
        const put = await api.send('PUT', api.withQuery(location, { digest }), { headers: { 'content-type': 'application/octet-stream' }, body: data });
        expectStatus(put, 201, 'PUT ?digest=');
        const blobLocation = header(put, 'location');
        assert.ok(blobLocation, 'PUT ?digest=: Location');
        const dcd = header(put, 'docker-content-digest');
        if (dcd !== undefined) assert.equal(dcd, digest, 'PUT ?digest=: Docker-Content-Digest');
        const got = await api.send('GET', blobLocation);
        expectStatus(got, 200, 'GET the Location of the blob');
        assert.ok(got.body.equals(data), 'the Location serves the blob');
        // The same blob again is no error (Layer Upload De-duplication).
        assert.equal(await api.pushBlob(repo, data), digest);
      });

      check('monolithic upload, single POST ?digest=: 201, or 202 and then a PUT (end-4b)', {}, async () => {
        const repo = repoName('push-single-post');
        const data = randomBytes(2000);
        const digest = digestOf(data);
        const res = await api.send('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { headers: { 'content-type': 'application/octet-stream' }, body: data });
        // "Registries that do not support single request monolithic uploads SHOULD return a 202".
        expectStatus(res, [201, 202], 'POST ?digest= with the blob');
        const location = header(res, 'location');
        assert.ok(location, 'POST ?digest=: Location');
        if (res.status === 202) {
          const put = await api.send('PUT', api.withQuery(location, { digest }), { headers: { 'content-type': 'application/octet-stream' }, body: data });
          expectStatus(put, 201, 'PUT after a 202 to POST ?digest=');
        }
        const got = await api.send('GET', `/v2/${repo}/blobs/${digest}`);
        expectStatus(got, 200, 'GET the blob');
        assert.ok(got.body.equals(data), 'the blob as pushed');
      });

      check('the empty blob: 0 bytes upload and download', {}, async () => {
        const repo = repoName('push-empty-blob');
        const digest = await api.pushBlob(repo, Buffer.alloc(0));
        assert.equal(digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
        const got = await api.send('GET', `/v2/${repo}/blobs/${digest}`);
        expectStatus(got, 200, 'GET the empty blob');
        assert.equal(got.body.length, 0);
        assert.equal(header(await api.send('HEAD', `/v2/${repo}/blobs/${digest}`), 'content-length'), '0', 'HEAD the empty blob: Content-Length 0');
      });

      check('chunked upload: PATCHes in order, 202 with Location and Range; upload status 204 with Range; final chunk in the PUT (end-5, end-6, end-13)', {}, async () => {
        const repo = repoName('push-chunked');
        const data = randomBytes(250);
        const digest = digestOf(data);
        const patch = (location: string, first: number, last: number): Promise<HttpResponse> => api.send('PATCH', location, {
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${first}-${last}` }, body: data.subarray(first, last + 1),
        });
        let location = await api.startUpload(repo);

        const first = await patch(location, 0, 99);
        expectStatus(first, 202, 'PATCH 0-99');
        assert.equal(header(first, 'range'), '0-99', 'PATCH 0-99: Range');
        location = header(first, 'location') ?? assert.fail('PATCH 0-99: Location');

        // "A GET request may be used to retrieve the current valid offset and upload location."
        const status = await api.send('GET', location);
        expectStatus(status, 204, 'GET upload status');
        assert.equal(header(status, 'range'), '0-99', 'GET upload status: Range');
        location = header(status, 'location') ?? assert.fail('GET upload status: Location');

        const second = await patch(location, 100, 199);
        expectStatus(second, 202, 'PATCH 100-199');
        assert.equal(header(second, 'range'), '0-199', 'PATCH 100-199: Range');
        location = header(second, 'location') ?? assert.fail('PATCH 100-199: Location');

        // "The final chunk MAY be uploaded … in the closing PUT request."
        const put = await api.send('PUT', api.withQuery(location, { digest }), {
          headers: { 'content-type': 'application/octet-stream', 'content-range': '200-249' }, body: data.subarray(200),
        });
        expectStatus(put, 201, 'PUT with the final chunk');
        assert.ok(header(put, 'location'), 'PUT: Location');
        const got = await api.send('GET', `/v2/${repo}/blobs/${digest}`);
        assert.ok(got.body.equals(data), 'the blob is the chunks in order');
      });

      check('chunked upload: every chunk by PATCH, then an empty PUT (end-5, end-6)', {}, async () => {
        const repo = repoName('push-chunked-patch-only');
        const data = randomBytes(3 * 1024 + 17);
        const digest = digestOf(data);
        let location = await api.startUpload(repo);
        for (let start = 0; start < data.length; start += 1024) {
          const end = Math.min(start + 1024, data.length) - 1;
          const res = await api.send('PATCH', location, {
            headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end}` }, body: data.subarray(start, end + 1),
          });
          expectStatus(res, 202, `PATCH ${start}-${end}`);
          assert.equal(header(res, 'range'), `0-${end}`, `PATCH ${start}-${end}: Range`);
          location = header(res, 'location') ?? assert.fail(`PATCH ${start}-${end}: Location`);
        }
        const put = await api.send('PUT', api.withQuery(location, { digest }), { headers: { 'content-length': '0' } });
        expectStatus(put, 201, 'closing PUT without a body');
        const got = await api.send('GET', `/v2/${repo}/blobs/${digest}`);
        assert.ok(got.body.equals(data), 'the blob is the chunks in order');
      });

      check('chunked upload: an out-of-order chunk is 416, and the session goes on from where it was (end-5, end-13)', { deviation: 'chunk-order' }, async () => {
        const repo = repoName('push-chunk-order');
        const data = randomBytes(300);
        const digest = digestOf(data);
        const patch = (location: string, first: number, last: number): Promise<HttpResponse> => api.send('PATCH', location, {
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${first}-${last}` }, body: data.subarray(first, last + 1),
        });
        /** After a 416 the GET status says where the session is (end-13); RANGE when bytes were sent. */
        const statusAfter416 = async (location: string, range?: string): Promise<string> => {
          const status = await api.send('GET', location);
          expectStatus(status, 204, 'GET upload status after a 416');
          if (range) assert.equal(header(status, 'range'), range, 'GET upload status after a 416: Range');
          return header(status, 'location') ?? location;
        };
        let location = await api.startUpload(repo);
        // "The first chunk's range MUST begin with 0"; "If a chunk is uploaded out of order, the registry MUST respond with a 416".
        expectStatus(await patch(location, 10, 19), 416, 'a first chunk starting at 10');
        location = await statusAfter416(location);
        const first = await patch(location, 0, 99);
        expectStatus(first, 202, 'PATCH 0-99');
        location = header(first, 'location') ?? assert.fail('PATCH 0-99: Location');
        expectStatus(await patch(location, 150, 199), 416, 'PATCH 150-199 after 0-99 (a gap)');
        location = await statusAfter416(location, '0-99');
        expectStatus(await patch(location, 50, 149), 416, 'PATCH 50-149 after 0-99 (an overlap)');
        location = await statusAfter416(location, '0-99');
        const second = await patch(location, 100, 299);
        expectStatus(second, 202, 'PATCH 100-299');
        location = header(second, 'location') ?? assert.fail('PATCH 100-299: Location');
        expectStatus(await api.send('PUT', api.withQuery(location, { digest }), { headers: { 'content-length': '0' } }), 201, 'closing PUT');
        assert.ok((await api.send('GET', `/v2/${repo}/blobs/${digest}`)).body.equals(data), 'the blob is the in-order chunks only');
      });

      check('streamed upload: one PATCH without Content-Range, then PUT (end-5, end-6)', {}, async () => {
        const repo = repoName('push-streamed');
        const data = randomBytes(4000);
        const digest = digestOf(data);
        const location = await api.startUpload(repo);
        const res = await api.send('PATCH', location, { headers: { 'content-type': 'application/octet-stream' }, body: data });
        expectStatus(res, 202, 'PATCH without Content-Range');
        const next = header(res, 'location') ?? assert.fail('PATCH: Location');
        expectStatus(await api.send('PUT', api.withQuery(next, { digest }), { headers: { 'content-length': '0' } }), 201, 'closing PUT');
        assert.ok((await api.send('GET', `/v2/${repo}/blobs/${digest}`)).body.equals(data), 'the blob as streamed');
      });

      check('DELETE an upload session: 204, then the session is 404 BLOB_UPLOAD_UNKNOWN (end-13)', {}, async () => {
        const repo = repoName('push-cancel');
        const patched = await api.send('PATCH', await api.startUpload(repo), { headers: { 'content-type': 'application/octet-stream' }, body: randomBytes(10) });
        expectStatus(patched, 202, 'PATCH');
        // "Each consecutive chunk upload SHOULD use the <location> provided in the response to the previous".
        const location = header(patched, 'location') ?? assert.fail('PATCH: Location');
        expectStatus(await api.send('DELETE', location), 204, 'DELETE the upload session');
        expectError(await api.send('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN', 'GET a cancelled session');
        const digest = digestOf(randomBytes(10));
        expectError(await api.send('PUT', api.withQuery(location, { digest }), { body: randomBytes(10) }), 404, 'BLOB_UPLOAD_UNKNOWN', 'PUT to a cancelled session');
      });

      check('a finished session is gone: 404 BLOB_UPLOAD_UNKNOWN (end-5, end-6, end-13)', {}, async () => {
        const repo = repoName('push-finished');
        const data = randomBytes(100);
        const location = await api.startUpload(repo);
        expectStatus(await api.send('PUT', api.withQuery(location, { digest: digestOf(data) }), { body: data }), 201, 'PUT');
        expectError(await api.send('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN', 'GET a finished session');
        expectError(await api.send('PATCH', location, { headers: { 'content-range': '100-109' }, body: randomBytes(10) }), 404, 'BLOB_UPLOAD_UNKNOWN', 'PATCH a finished session');
      });

      check('PUT with a digest the bytes do not have: 400 DIGEST_INVALID, nothing stored (end-6, code-4)', {}, async () => {
        const repo = repoName('push-wrong-digest');
        const data = randomBytes(1000);
        const claimed = digestOf(randomBytes(1000));
        const location = await api.startUpload(repo);
        expectError(await api.send('PUT', api.withQuery(location, { digest: claimed }), { headers: { 'content-type': 'application/octet-stream' }, body: data }), 400, 'DIGEST_INVALID', 'PUT with a wrong digest');
        expectStatus(await api.send('HEAD', `/v2/${repo}/blobs/${claimed}`), 404, 'HEAD the claimed digest');
        // The same through a chunked upload's closing PUT.
        const chunked = await api.startUpload(repo);
        const res = await api.send('PATCH', chunked, { headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${data.length - 1}` }, body: data });
        expectStatus(res, 202, 'PATCH');
        const closing = api.withQuery(header(res, 'location') ?? chunked, { digest: claimed });
        expectError(await api.send('PUT', closing, { headers: { 'content-length': '0' } }), 400, 'DIGEST_INVALID', 'closing PUT with a wrong digest');
        expectStatus(await api.send('HEAD', `/v2/${repo}/blobs/${claimed}`), 404, 'HEAD the claimed digest after the chunked upload');
      });

      check('cross-repository mount: 201 and a Location; an unknown blob or source starts an upload, 202 (end-11)', {}, async () => {
        const source = repoName('push-mount-source');
        const target = repoName('push-mount-target');
        const data = randomBytes(700);
        const digest = await api.pushBlob(source, data);
        const res = await api.send('POST', `/v2/${target}/blobs/uploads/?mount=${digest}&from=${source}`, { headers: { 'content-length': '0' } });
        // "if a registry does not support cross-repository mounting … it SHOULD return a 202".
        expectStatus(res, has('mount') ? 201 : [201, 202], 'POST ?mount=&from=');
        const location = header(res, 'location');
        assert.ok(location, 'mount: Location');
        if (res.status === 201) {
          const dcd = header(res, 'docker-content-digest');
          if (dcd !== undefined) assert.equal(dcd, digest, 'mount: Docker-Content-Digest');
          const got = await api.send('GET', location);
          expectStatus(got, 200, 'GET the mounted blob\'s Location');
          assert.ok(got.body.equals(data), 'the mounted blob');
        } else {
          expectStatus(await api.send('PUT', api.withQuery(location, { digest }), { body: data }), 201, 'PUT after a 202 mount');
        }
        expectStatus(await api.send('HEAD', `/v2/${target}/blobs/${digest}`), 200, 'HEAD the blob in the target');

        // A blob the source does not have, and a source that does not exist: an upload session begins.
        for (const [what, query] of [['an unknown blob', `mount=${unknownDigest()}&from=${source}`], ['an unknown source', `mount=${digest}&from=${repoName('push-mount-nowhere')}`]]) {
          const miss = await api.send('POST', `/v2/${repoName('push-mount-miss')}/blobs/uploads/?${query}`, { headers: { 'content-length': '0' } });
          // "The registry MAY treat the from parameter as optional, and it MAY cross-mount the blob if it can be found."
          expectStatus(miss, what === 'an unknown source' ? [201, 202] : 202, `mount of ${what}`);
          assert.ok(header(miss, 'location'), `mount of ${what}: Location`);
        }
      });

      check('manifest PUT by tag and by digest: 201, Location, Docker-Content-Digest (end-7)', {}, async () => {
        const repo = repoName('push-manifest');
        const config = imageConfig(randomUUID());
        const layer = randomBytes(300);
        await api.pushBlob(repo, config);
        await api.pushBlob(repo, layer);
        const bytes = imageManifest(descriptorOf(config, MT.ociConfig), [descriptorOf(layer, MT.ociLayer)]);
        const digest = digestOf(bytes);
        for (const ref of ['v1', digest]) {
          const res = await api.putManifest(repo, ref, bytes, MT.ociManifest);
          expectStatus(res, 201, `PUT manifest ${ref}`);
          // "The Docker-Content-Digest header … MUST be equal to the client provided digest."
          assert.equal(header(res, 'docker-content-digest'), digest, `PUT manifest ${ref}: Docker-Content-Digest`);
          const location = header(res, 'location');
          assert.ok(location, `PUT manifest ${ref}: Location`);
          const got = await api.send('GET', location, { headers: { accept: ACCEPT_MANIFESTS } });
          expectStatus(got, 200, `GET the Location of manifest ${ref}`);
          assert.ok(got.body.equals(bytes), 'the Location serves the manifest, byte for byte');
        }
        // A manifest pushed by digest only is pullable by that digest.
        const other = imageManifest(descriptorOf(config, MT.ociConfig), [], { annotations: { only: 'by digest' } });
        await api.pushManifest(repo, digestOf(other), other, MT.ociManifest);
        assert.ok((await api.getManifest(repo, digestOf(other))).body.equals(other));
      });

      check('a manifest referencing a missing blob or manifest: rejected with MANIFEST_BLOB_UNKNOWN, or accepted (Push)', {}, async () => {
        const repo = repoName('push-missing-blob');
        const image = await api.pushImage(repo, { tag: 'base' });
        const missing = { mediaType: MT.ociLayer, digest: unknownDigest(), size: 1234 };
        const cases: [string, Buffer, string][] = [
          ['a missing layer', imageManifest(image.config, [image.layer, missing]), MT.ociManifest],
          ['a missing config', imageManifest({ ...missing, mediaType: MT.ociConfig }, [image.layer]), MT.ociManifest],
          ['a missing manifest in an index', indexManifest([manifestDescriptor(image), { mediaType: MT.ociManifest, digest: unknownDigest(), size: 321 }]), MT.ociIndex],
        ];
        for (const [what, bytes, mediaType] of cases) {
          const res = await api.putManifest(repo, `with-${what.replace(/ /g, '-')}`, bytes, mediaType);
          // "A registry MAY reject … When a manifest is rejected for this reason, it MUST result in one or more MANIFEST_BLOB_UNKNOWN errors."
          if (res.status !== 201) expectError(res, [400, 404], 'MANIFEST_BLOB_UNKNOWN', `PUT a manifest with ${what}`);
        }
      });

      check('invalid JSON as a manifest: 400 MANIFEST_INVALID (end-7, code-6)', {}, async () => {
        const repo = repoName('push-invalid-json');
        const cases: [string, string][] = [[MT.ociManifest, '{"schemaVersion": 2, "mediaType": '], [MT.dockerManifest, '{not json'], [MT.ociIndex, '{"schemaVersion":2,']];
        for (const [mediaType, body] of cases) {
          expectError(await api.putManifest(repo, 'bad', body, mediaType), 400, 'MANIFEST_INVALID', `PUT ${mediaType} that is not JSON`);
        }
        expectStatus(await api.getManifest(repo, 'bad'), 404, 'nothing was tagged');
      });

      check('manifest PUT by a digest the body does not have: 400 DIGEST_INVALID (end-7, code-4)', {}, async () => {
        const repo = repoName('push-manifest-wrong-digest');
        const image = await api.pushImage(repo, { tag: 'base' });
        const bytes = imageManifest(image.config, [image.layer], { annotations: { v: '2' } });
        const claimed = digestOf(Buffer.concat([bytes, Buffer.from('  ')]));
        expectError(await api.putManifest(repo, claimed, bytes, MT.ociManifest), 400, 'DIGEST_INVALID', 'PUT by a digest of other bytes');
        expectStatus(await api.getManifest(repo, claimed), 404, 'nothing stored under the claimed digest');
      });
    });

    void describe('content discovery', () => {
      const TAGS = ['v2', 'latest', '1.0-rc1', 'v10', 'beta', 'a', '1.0', 'alpha.2'];

      async function pushTags(repo: string): Promise<void> {
        const image = await api.pushImage(repo, { tag: TAGS[0] });
        for (const tag of TAGS.slice(1)) await api.pushManifest(repo, tag, image.bytes, image.mediaType);
      }

      check('tags/list: every tag, once (end-8a)', {}, async () => {
        const repo = repoName('discover-tags');
        await pushTags(repo);
        const { tags } = await api.tags(repo);
        assert.deepEqual([...tags].sort(), lexical(TAGS), 'every tag, once');
      });

      check('tags/list: in lexical order (end-8a)', { deviation: 'tag-order' }, async () => {
        const repo = repoName('discover-tags-order');
        await pushTags(repo);
        assert.deepEqual((await api.tags(repo)).tags, lexical(TAGS), '"the tags MUST be in lexical order"');
      });

      check('tags/list: n and last page through the tags, with Link rel="next" when given; n=0 is empty (end-8b)', { deviation: 'tag-paging' }, async () => {
        const repo = repoName('discover-tags-paging');
        await pushTags(repo);
        const all = lexical(TAGS);

        // "Otherwise, the response MUST include <int> results", from the start, in lexical order.
        const first = await api.tags(repo, '?n=3');
        if (first.tags.length < 3) assert.ok(header(first.res, 'link'), 'fewer than n tags only with a Link header');
        assert.deepEqual(first.tags, all.slice(0, first.tags.length), 'n=3: the first tags');

        // Paging with last: up to n tags after last, never last itself.
        const page = await api.tags(repo, `?n=2&last=${all[2]}`);
        assert.deepEqual(page.tags, all.slice(3, 3 + page.tags.length), `n=2&last=${all[2]}: the tags after it`);
        assert.ok(page.tags.length === 2 || header(page.res, 'link'), `n=2&last=${all[2]}: 2 tags`);
        // "When using the last query parameter, the n parameter is OPTIONAL."
        const rest = await api.tags(repo, `?last=${all[5]}`);
        assert.deepEqual(rest.tags, all.slice(6, 6 + rest.tags.length), `last=${all[5]}: the tags after it`);

        // Every page in turn, by Link when given, else by last: each tag once, in order.
        const seen: string[] = [];
        let url: string | undefined = `/v2/${repo}/tags/list?n=2`;
        for (let pages = 0; url !== undefined; pages++) {
          assert.ok(pages <= TAGS.length, 'paging ends');
          const res = await api.send('GET', url);
          const tags = tagsOf(res, repo);
          seen.push(...tags);
          const link = nextLink(res, api.base);
          if (link) url = link;
          else url = tags.length === 2 ? `/v2/${repo}/tags/list?n=2&last=${tags[1]}` : undefined;
        }
        assert.deepEqual(seen, all, 'the pages, in turn, are every tag in order');

        // "When n is zero, this endpoint MUST return an empty list, and MUST NOT include a Link header."
        const none = await api.tags(repo, '?n=0');
        assert.deepEqual(none.tags, [], 'n=0: an empty list');
        assert.equal(header(none.res, 'link'), undefined, 'n=0: no Link header');
      });

      check('_catalog lists repositories, in pages with n and Link (Docker registry API)', { feature: 'catalog' }, async () => {
        const repos = ['discover-catalog/a', 'discover-catalog/b', 'discover-catalog/c'].map(repoName);
        for (const repo of repos) await api.pushImage(repo, { tag: 'latest' });
        const res = await api.send('GET', '/v2/_catalog');
        expectStatus(res, 200, 'GET /v2/_catalog');
        const doc = json(res, '_catalog');
        assert.ok(isRecord(doc) && Array.isArray(doc.repositories), `_catalog: {"repositories": [...]}: ${show(res)}`);
        const all = doc.repositories as string[];
        for (const repo of repos) assert.ok(all.includes(repo), `_catalog lists ${repo}`);
        assert.deepEqual(all, lexical(all), '_catalog is in lexical order');
        const seen: string[] = [];
        let url: string | undefined = '/v2/_catalog?n=2';
        for (let pages = 0; url !== undefined; pages++) {
          assert.ok(pages <= all.length, 'paging ends');
          const page = await api.send('GET', url);
          expectStatus(page, 200, `GET ${url}`);
          const list = (json(page, '_catalog page') as { repositories: string[] }).repositories;
          assert.ok(list.length <= 2, `n=2: at most 2 repositories, got ${list.length}`);
          seen.push(...list);
          url = nextLink(page, api.base);
        }
        assert.deepEqual(seen, all, 'the pages, in turn, are the whole catalog');
      });

      /** An artifact manifest (image-spec 1.1 artifact guidance) with SUBJECT, pushed by digest. */
      async function pushArtifact(repo: string, subject: Descriptor, opts: { artifactType?: string; configType?: string; annotations?: Record<string, string> }): Promise<HttpResponse & { pushed: Pushed }> {
        const configBytes = Buffer.from('{}');
        const layerBytes = Buffer.from(randomUUID());
        await api.pushBlob(repo, configBytes);
        await api.pushBlob(repo, layerBytes);
        const config = descriptorOf(configBytes, opts.configType ?? MT.ociEmpty);
        const extra: Record<string, unknown> = { subject, ...(opts.artifactType ? { artifactType: opts.artifactType } : {}), ...(opts.annotations ? { annotations: opts.annotations } : {}) };
        const bytes = imageManifest(config, [descriptorOf(layerBytes, 'application/vnd.example.conformance')], extra);
        const res = await api.putManifest(repo, digestOf(bytes), bytes, MT.ociManifest);
        expectStatus(res, 201, 'PUT an artifact with a subject');
        return { ...res, pushed: { bytes, digest: digestOf(bytes), mediaType: MT.ociManifest } };
      }

      /** GET referrers (end-12a/b): 200, an OCI index (MUSTs of Listing Referrers). */
      async function referrers(repo: string, digest: string, query = ''): Promise<{ res: HttpResponse; manifests: Descriptor[] }> {
        const res = await api.send('GET', `/v2/${repo}/referrers/${digest}${query}`);
        expectStatus(res, 200, `GET referrers of ${digest}${query}`);
        assert.equal(mediaTypeOf(res), MT.ociIndex, 'referrers: "The Content-Type header MUST be set to application/vnd.oci.image.index.v1+json"');
        const doc = json(res, 'referrers');
        assert.ok(isRecord(doc) && doc.schemaVersion === 2 && doc.mediaType === MT.ociIndex && Array.isArray(doc.manifests), `referrers: an image index: ${show(res)}`);
        assert.equal(nextLink(res, api.base), undefined, 'a handful of referrers fit in one response');
        return { res, manifests: doc.manifests as Descriptor[] };
      }

      check('referrers: an index of the manifests whose subject is the digest, with artifactType and annotations; OCI-Subject on the PUT (end-12a)', { feature: 'referrers' }, async () => {
        const repo = repoName('discover-referrers');
        const subject = await api.pushImage(repo, { tag: 'subject' });
        const sbom = await pushArtifact(repo, manifestDescriptor(subject), { artifactType: 'application/vnd.example.sbom.v1', annotations: { 'org.example.kind': 'sbom' } });
        // "a registry implementation that supports the referrers API MUST respond with the response header OCI-Subject: <subject digest>".
        assert.equal(header(sbom, 'oci-subject'), subject.digest, 'PUT with a subject: OCI-Subject');
        // No artifactType: "the value of artifactType MUST be set to the config descriptor mediaType value".
        const sig = await pushArtifact(repo, manifestDescriptor(subject), { configType: 'application/vnd.example.signature.config.v1+json', annotations: { 'org.example.kind': 'sig' } });
        const { manifests } = await referrers(repo, subject.digest);
        const expected = [
          { ...manifestDescriptor(sbom.pushed), artifactType: 'application/vnd.example.sbom.v1', annotations: { 'org.example.kind': 'sbom' } },
          { ...manifestDescriptor(sig.pushed), artifactType: 'application/vnd.example.signature.config.v1+json', annotations: { 'org.example.kind': 'sig' } },
        ];
        const byDigest = (a: Descriptor, b: Descriptor): number => a.digest.localeCompare(b.digest);
        assert.deepEqual(manifests.map((d) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size, artifactType: d.artifactType, annotations: d.annotations })).sort(byDigest), expected.sort(byDigest));

        // "A registry MUST initially accept an otherwise valid manifest with a subject field that references a manifest that does not exist".
        const future = { mediaType: MT.ociManifest, digest: unknownDigest(), size: 999 };
        const early = await pushArtifact(repo, future, { artifactType: 'application/vnd.example.early.v1' });
        assert.equal(header(early, 'oci-subject'), future.digest, 'PUT with an absent subject: OCI-Subject');
        assert.deepEqual((await referrers(repo, future.digest)).manifests.map((d) => d.digest), [early.pushed.digest], 'a referrer pushed before its subject is listed');

        if (has('delete-manifest')) {
          expectStatus(await api.send('DELETE', `/v2/${repo}/manifests/${sig.pushed.digest}`), 202, 'DELETE a referrer');
          assert.deepEqual((await referrers(repo, subject.digest)).manifests.map((d) => d.digest), [sbom.pushed.digest], 'a deleted referrer is no longer listed');
        }
      });

      check('referrers: the artifactType filter, with OCI-Filters-Applied (end-12b)', { feature: 'referrers' }, async () => {
        const repo = repoName('discover-referrers-filter');
        const subject = await api.pushImage(repo, { tag: 'subject' });
        const a = await pushArtifact(repo, manifestDescriptor(subject), { artifactType: 'application/vnd.example.a.v1' });
        const b = await pushArtifact(repo, manifestDescriptor(subject), { artifactType: 'application/vnd.example.b.v1' });
        const { res, manifests } = await referrers(repo, subject.digest, `?artifactType=${encodeURIComponent('application/vnd.example.a.v1')}`);
        const applied = (header(res, 'oci-filters-applied') ?? '').split(',').map((s) => s.trim());
        // "The registry SHOULD support filtering": when it did, it says so and lists only the matches;
        // when it did not, the header is absent and the list is unfiltered.
        if (applied.includes('artifactType')) assert.deepEqual(manifests.map((d) => d.digest), [a.pushed.digest], 'filtered: only the matching referrer');
        else assert.deepEqual(manifests.map((d) => d.digest).sort(), [a.pushed.digest, b.pushed.digest].sort(), 'not filtered (no OCI-Filters-Applied): every referrer');
        const none = await referrers(repo, subject.digest, `?artifactType=${encodeURIComponent('application/vnd.example.none')}`);
        if ((header(none.res, 'oci-filters-applied') ?? '').includes('artifactType')) assert.deepEqual(none.manifests, [], 'a filter nothing matches: an empty list');
      });

      check('referrers: a digest without referrers is an empty index (200); a malformed digest is 400 (end-12a)', { feature: 'referrers' }, async () => {
        const repo = repoName('discover-referrers-empty');
        const image = await api.pushImage(repo, { tag: 'alone' });
        // "If a query results in no matching referrers, an empty manifest list MUST be returned."
        assert.deepEqual((await referrers(repo, image.digest)).manifests, []);
        assert.deepEqual((await referrers(repo, unknownDigest())).manifests, [], 'a digest the registry does not have');
        // "If the request is invalid, such as a <digest> with an invalid syntax, a 400 Bad Request MUST be returned."
        for (const bad of ['sha256:nothex', `sha256:${'0'.repeat(63)}`, 'not-a-digest']) {
          expectRefused(await api.send('GET', `/v2/${repo}/referrers/${bad}`), [400], `GET referrers/${bad}`);
        }
      });
    });

    void describe('content management', () => {
      check('DELETE a manifest by digest: 202, then it and its tags are 404 (end-9)', { feature: 'delete-manifest' }, async () => {
        const repo = repoName('manage-delete-manifest');
        const image = await api.pushImage(repo, { tag: 'doomed' });
        const kept = await api.pushImage(repo, { tag: 'kept' });
        expectStatus(await api.send('DELETE', `/v2/${repo}/manifests/${image.digest}`), 202, 'DELETE manifest by digest');
        // "Once deleted, a GET to /v2/<name>/manifests/<digest> and any tag pointing to that digest will return a 404."
        expectError(await api.getManifest(repo, image.digest), 404, 'MANIFEST_UNKNOWN', 'GET the deleted manifest');
        expectStatus(await api.getManifest(repo, image.digest, 'HEAD'), 404, 'HEAD the deleted manifest');
        expectError(await api.getManifest(repo, 'doomed'), 404, 'MANIFEST_UNKNOWN', 'GET a tag of the deleted manifest');
        expectStatus(await api.getManifest(repo, 'kept'), 200, 'another manifest of the repository stays');
        expectStatus(await api.getManifest(repo, kept.digest), 200, 'another manifest of the repository stays, by digest');
        expectError(await api.send('DELETE', `/v2/${repo}/manifests/${image.digest}`), 404, 'MANIFEST_UNKNOWN', 'DELETE it again');
        expectError(await api.send('DELETE', `/v2/${repo}/manifests/${unknownDigest()}`), 404, 'MANIFEST_UNKNOWN', 'DELETE an unknown manifest');
        // "If the repository does not exist, the response MUST return 404 Not Found."
        expectStatus(await api.send('DELETE', `/v2/${repoName('manage-never-pushed')}/manifests/${image.digest}`), 404, 'DELETE in an unknown repository');
      });

      check('DELETE a tag: 202 and the tag is gone, or 400/405 when tag deletion is disabled (end-9)', {}, async (t) => {
        const repo = repoName('manage-delete-tag');
        const image = await api.pushImage(repo, { tag: 'first' });
        await api.pushManifest(repo, 'second', image.bytes, image.mediaType);
        const res = await api.send('DELETE', `/v2/${repo}/manifests/first`);
        expectRefused(res, [202, 400, 405], 'DELETE by tag');
        if (res.status !== 202) {
          t.diagnostic(`tag deletion is disabled: ${show(res)}`);
          expectStatus(await api.getManifest(repo, 'first'), 200, 'a tag whose deletion was refused stays');
          return;
        }
        // "Once deleted, a GET to /v2/<name>/manifests/<tag> will return a 404."
        expectError(await api.getManifest(repo, 'first'), 404, 'MANIFEST_UNKNOWN', 'GET the deleted tag');
        expectStatus(await api.getManifest(repo, image.digest), 200, 'the manifest stays, by digest');
        expectStatus(await api.getManifest(repo, 'second'), 200, 'its other tag stays');
        assert.deepEqual((await api.tags(repo)).tags, ['second'], 'tags/list no longer has the tag');
      });

      check('DELETE a blob: 202, then it is 404 (end-10)', { feature: 'delete-blob' }, async () => {
        const repo = repoName('manage-delete-blob');
        const data = randomBytes(600);
        const digest = await api.pushBlob(repo, data);
        const other = await api.pushBlob(repo, randomBytes(600));
        expectStatus(await api.send('DELETE', `/v2/${repo}/blobs/${digest}`), 202, 'DELETE blob');
        expectStatus(await api.send('HEAD', `/v2/${repo}/blobs/${digest}`), 404, 'HEAD the deleted blob');
        expectError(await api.send('GET', `/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN', 'GET the deleted blob');
        expectStatus(await api.send('HEAD', `/v2/${repo}/blobs/${other}`), 200, 'another blob stays');
        // "If the blob is not found, a 404 Not Found code MUST be returned."
        expectError(await api.send('DELETE', `/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN', 'DELETE it again');
        // Deleted, it can be pushed again.
        await api.pushBlob(repo, data);
        expectStatus(await api.send('HEAD', `/v2/${repo}/blobs/${digest}`), 200, 'HEAD the blob pushed again');
      });
    });

    void describe('hostile input', () => {
      check('repository names with "..", encoded dots or slashes, or upper case are refused, and nothing is stored under them (Pulling manifests: <name> grammar)', {}, async () => {
        const repo = repoName('hostile-names');
        const image = await api.pushImage(repo, { tag: 'real' });
        const before = (await api.tags(repo)).tags;
        const [top, sub] = repo.split('/') as [string, string];
        // Every one breaks the name grammar; the dotted ones, after RFC 3986 dot-segment removal
        // (%2E is a dot too: 6.2.2.2), climb out of /v2/, so no cleaning makes them a valid name.
        // A refusal is right, and so is a redirect (a server that cleans paths, as Go's do), which
        // serves and stores nothing; a 2xx or a 5xx is not.
        const hostile = [
          `${repo}/../../../${repo}`,
          `${repo}/%2e%2e/%2e%2e/%2e%2e/${repo}`,
          `${repo}/%2E%2E/%2E%2E/%2E%2E/${repo}`,
          `${repo}/..%2f..%2f..%2f${repo}`,
          `../${repo}`,
          repo.toUpperCase(),
          `${top}/${sub.toUpperCase()}`,
          `${top}/.${sub}`,
          `${top}/${sub}-`,
          `${top}/${sub}%00`,
        ];
        const refusal = [400, 401, 403, 404, 405, ...REDIRECTS];
        for (const name of hostile) {
          const requests: [string, string, Buffer | undefined][] = [
            ['GET', `/v2/${name}/manifests/real`, undefined],
            ['HEAD', `/v2/${name}/manifests/${image.digest}`, undefined],
            ['GET', `/v2/${name}/blobs/${image.layer.digest}`, undefined],
            ['GET', `/v2/${name}/tags/list`, undefined],
            ['POST', `/v2/${name}/blobs/uploads/`, Buffer.alloc(0)],
            ['PUT', `/v2/${name}/manifests/evil`, image.bytes],
            ['DELETE', `/v2/${name}/manifests/${image.digest}`, undefined],
          ];
          for (const [method, path, body] of requests) {
            const res = await api.sendRaw(method, path, { headers: { accept: ACCEPT_MANIFESTS, 'content-type': image.mediaType }, body });
            expectRefused(res, refusal, `${method} ${path}`);
          }
        }
        expectStatus(await api.getManifest(repo, image.digest), 200, 'the real manifest is still there');
        expectStatus(await api.getManifest(repo, 'evil'), 404, 'no tag was written through a hostile name');
        assert.deepEqual((await api.tags(repo)).tags, before, 'the real repository\'s tags are unchanged');
        if (has('catalog')) {
          const catalog = json(await api.send('GET', '/v2/_catalog'), '_catalog') as { repositories: string[] };
          const bad = catalog.repositories.filter((r) => !/^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/.test(r));
          assert.deepEqual(bad, [], '_catalog holds only names the grammar allows');
        }
      });

      check('tags: 128 characters are a tag, 129 are not; nor are tags outside [a-zA-Z0-9_][a-zA-Z0-9._-]* (Pulling manifests: <reference>)', {}, async () => {
        const repo = repoName('hostile-tags');
        const image = await api.pushImage(repo, { tag: 'base' });
        // "<reference> as a tag MUST be at most 128 characters in length and MUST match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}".
        const longest = `t${'a'.repeat(127)}`;
        await api.pushManifest(repo, longest, image.bytes, image.mediaType);
        expectStatus(await api.getManifest(repo, longest), 200, 'GET the 128-character tag');
        const invalid = [`t${'a'.repeat(128)}`, '-dash', '.dot', 'semi;colon', 'sp%20ace', 'bang!', 'caf%C3%A9'];
        for (const tag of invalid) {
          expectRefused(await api.putManifest(repo, tag, image.bytes, image.mediaType), [400, 404], `PUT manifest as tag ${tag}`);
          expectRefused(await api.getManifest(repo, tag), [400, 404], `GET manifest ${tag}`);
        }
        assert.deepEqual((await api.tags(repo)).tags.sort(), ['base', longest].sort(), 'only the valid tags are listed');
      });

      check('digests with bad hex, a wrong length or an unknown algorithm are refused with 400 or 404 (Content Digests, code-4)', {}, async () => {
        const repo = repoName('hostile-digests');
        const image = await api.pushImage(repo, { tag: 'base' });
        const hex = image.layer.digest.slice('sha256:'.length);
        const bad = [
          `sha256:${'z'.repeat(64)}`, // not hex
          `sha256:${hex.slice(0, 63)}`, // too short
          `sha256:${hex}0`, // too long
          `sha256:${hex.toUpperCase()}`, // sha256 is lower-case hex (image-spec descriptor.md)
          `nosuchalgo:${hex}`, // unknown algorithm
          `sha256:`, // empty
        ];
        for (const digest of bad) {
          expectRefused(await api.send('GET', `/v2/${repo}/blobs/${digest}`), [400, 404], `GET blob ${digest}`);
          expectRefused(await api.send('HEAD', `/v2/${repo}/blobs/${digest}`), [400, 404], `HEAD blob ${digest}`);
          // Uploads must not be stored under a digest the registry cannot verify.
          const location = await api.startUpload(repo);
          expectRefused(await api.send('PUT', api.withQuery(location, { digest }), { body: randomBytes(10) }), [400, 404], `PUT upload ?digest=${digest}`);
          const mount = await api.send('POST', `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${repo}`, { headers: { 'content-length': '0' } });
          expectRefused(mount, [202, 400, 404], `POST ?mount=${digest}`);
        }
      });

      check('malformed digests as manifest references (400 or 404) and in a manifest\'s descriptors (400) (end-3, end-7)', { deviation: 'malformed-digest-500' }, async () => {
        const repo = repoName('hostile-digest-refs');
        const image = await api.pushImage(repo, { tag: 'base' });
        // "<reference> MUST be either (a) the digest of the manifest or (b) a tag": these are neither.
        for (const ref of ['sha256:totallywrong', `sha256:${'z'.repeat(64)}`, `nosuchalgo:${image.digest.slice(7)}`]) {
          expectRefused(await api.getManifest(repo, ref), [400, 404], `GET manifest ${ref}`);
          expectRefused(await api.putManifest(repo, ref, image.bytes, image.mediaType), [400, 404], `PUT manifest ${ref}`);
        }
        for (const digest of ['sha256:zzzz', `sha256:${'Z'.repeat(64)}`, 'nodigest']) {
          const bytes = imageManifest(image.config, [{ ...image.layer, digest }]);
          expectRefused(await api.putManifest(repo, 'bad-descriptor', bytes, MT.ociManifest), [400], `PUT a manifest with a layer digest ${digest}`);
        }
        expectStatus(await api.getManifest(repo, 'bad-descriptor'), 404, 'nothing was tagged');
      });

      check('upload sessions the registry never opened: 400 or 404 (end-5, end-6, end-13)', {}, async () => {
        const repo = repoName('hostile-sessions');
        await api.pushImage(repo, { tag: 'base' });
        // Clients SHOULD NOT assemble upload URLs; one that does sends a session id the registry never
        // gave out, without whatever critical query parameters its Locations carry.
        for (const id of [randomUUID(), '..', 'not-a-session', `${randomUUID()}/..`]) {
          const path = `/v2/${repo}/blobs/uploads/${id}`;
          expectRefused(await api.sendRaw('GET', path), [400, 404, 405, ...REDIRECTS], `GET ${path}`);
          expectRefused(await api.sendRaw('PATCH', path, { headers: { 'content-range': '0-9' }, body: randomBytes(10) }), [400, 404, 405, 416, ...REDIRECTS], `PATCH ${path}`);
          expectRefused(await api.sendRaw('PUT', `${path}?digest=${digestOf('x')}`, { body: Buffer.from('x') }), [400, 404, 405, ...REDIRECTS], `PUT ${path}`);
        }
      });

      check('a chunk whose Content-Range lies about its bytes: refused (400/416), or only the bytes sent count (end-5)', {}, async () => {
        const repo = repoName('hostile-chunk-range');
        // The spec binds clients to a true <range>; a registry that believes a false one would record
        // bytes it never got. Refusing is right; so is trusting only the body (as for a streamed PATCH).
        for (const range of ['0-99', '5-2', 'bytes=0-9', '0-', 'x-y', '0-18446744073709551616']) {
          const data = randomBytes(10);
          const res = await api.send('PATCH', await api.startUpload(repo), { headers: { 'content-type': 'application/octet-stream', 'content-range': range }, body: data });
          expectRefused(res, [202, 400, 416], `PATCH Content-Range ${range} with 10 bytes`);
          if (res.status !== 202) continue;
          assert.equal(header(res, 'range'), '0-9', `PATCH Content-Range ${range} accepted: Range says the 10 bytes it got`);
          const location = header(res, 'location') ?? assert.fail('PATCH: Location');
          expectStatus(await api.send('PUT', api.withQuery(location, { digest: digestOf(data) }), { headers: { 'content-length': '0' } }), 201, `PUT after PATCH Content-Range ${range}`);
        }
      });

      check('oversize manifests: 4 MB are accepted (SHOULD), beyond 4 MiB accepted or refused with 413 / 400 MANIFEST_INVALID (Pushing Manifests)', {}, async () => {
        const repo = repoName('hostile-big-manifest');
        const image = await api.pushImage(repo, { tag: 'base' });
        /** A valid manifest of exactly SIZE bytes, padded with an annotation. */
        const ofSize = (size: number): Buffer => {
          const shell = imageManifest(image.config, [image.layer], { annotations: { pad: '' } });
          return imageManifest(image.config, [image.layer], { annotations: { pad: 'x'.repeat(size - shell.length) } });
        };
        // "Client and registry implementations SHOULD expect to be able to support manifest pushes of at least 4 megabytes."
        const fourMB = ofSize(4_000_000);
        assert.equal(fourMB.length, 4_000_000);
        const pushed = await api.pushManifest(repo, 'four-mb', fourMB, MT.ociManifest);
        assert.ok((await api.getManifest(repo, 'four-mb')).body.equals(pushed.bytes), 'the 4 MB manifest, byte for byte');
        // "A registry SHOULD enforce some limit … SHOULD respond … with a response code 413".
        const huge = ofSize(5 * 1024 * 1024);
        const res = await api.putManifest(repo, 'huge', huge, MT.ociManifest).catch((e: Error) => assert.fail(
          `PUT a 5 MiB manifest: the connection failed (${e.message}) before the answer could be read. A server that refuses `
          + 'a body without reading it must still let the client read the refusal: drain the body, or close in stages (RFC 9112 9.6).'));
        if (res.status === 400) expectError(res, 400, 'MANIFEST_INVALID', 'PUT a 5 MiB manifest');
        else expectRefused(res, [201, 413], 'PUT a 5 MiB manifest');
        expectStatus(await api.send('GET', '/v2/'), 200, 'the registry still answers');
      });

      check('garbage as a manifest: 400 MANIFEST_INVALID (end-7, code-6)', {}, async () => {
        const repo = repoName('hostile-garbage');
        const image = await api.pushImage(repo, { tag: 'base' });
        const cases: [string, Buffer, string][] = [
          ['random bytes', randomBytes(2048), MT.ociManifest],
          ['random bytes as a Docker manifest', randomBytes(100), MT.dockerManifest],
          ['an empty body', Buffer.alloc(0), MT.ociManifest],
          ['a JSON array', Buffer.from('[]'), MT.ociManifest],
          ['a config that is a string', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: 'nope', layers: [] })), MT.ociManifest],
          ['layers that are an object', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: image.config, layers: { 0: image.layer } })), MT.ociManifest],
          ['an index whose manifests is a number', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: 7 })), MT.ociIndex],
        ];
        for (const [what, body, mediaType] of cases) {
          expectError(await api.putManifest(repo, 'garbage', body, mediaType), 400, 'MANIFEST_INVALID', `PUT ${what}`);
        }
        expectStatus(await api.getManifest(repo, 'garbage'), 404, 'nothing was tagged');
      });

      check('concurrent uploads of the same blob to the same repository all succeed', {}, async () => {
        const repo = repoName('hostile-concurrent-blob');
        const data = randomBytes(256 * 1024);
        const digest = digestOf(data);
        const chunked = async (): Promise<HttpResponse> => {
          const location = await api.startUpload(repo);
          const res = await api.send('PATCH', location, { headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${data.length - 1}` }, body: data });
          expectStatus(res, 202, 'PATCH');
          return api.send('PUT', api.withQuery(header(res, 'location') ?? location, { digest }), { headers: { 'content-length': '0' } });
        };
        const monolithic = async (): Promise<HttpResponse> => {
          const location = await api.startUpload(repo);
          return api.send('PUT', api.withQuery(location, { digest }), { headers: { 'content-type': 'application/octet-stream' }, body: data });
        };
        const results = await Promise.all([monolithic(), monolithic(), chunked(), chunked(), monolithic()]);
        results.forEach((res, i) => expectStatus(res, 201, `concurrent upload ${i}`));
        const got = await api.send('GET', `/v2/${repo}/blobs/${digest}`);
        expectStatus(got, 200, 'GET the blob');
        assert.ok(got.body.equals(data), 'the blob, whole');
      });

      check('concurrent PUTs of one tag: the tag resolves to one of them, and every revision stays by digest', {}, async () => {
        const repo = repoName('hostile-concurrent-tag');
        const image = await api.pushImage(repo, { tag: 'base' });
        const revisions = Array.from({ length: 8 }, (_, i) => imageManifest(image.config, [image.layer], { annotations: { revision: String(i) } }));
        const results = await Promise.all(revisions.map((bytes) => api.putManifest(repo, 'race', bytes, MT.ociManifest)));
        results.forEach((res, i) => expectStatus(res, 201, `concurrent PUT ${i}`));
        const digests = revisions.map(digestOf);
        const tagged = await api.getManifest(repo, 'race');
        expectStatus(tagged, 200, 'GET the raced tag');
        assert.ok(digests.includes(digestOf(tagged.body)), 'the tag is one of the manifests PUT');
        assert.equal(header(tagged, 'docker-content-digest'), digestOf(tagged.body), 'the tag\'s Docker-Content-Digest is the manifest it serves');
        for (const [i, digest] of digests.entries()) {
          const got = await api.getManifest(repo, digest);
          expectStatus(got, 200, `GET revision ${i} by digest`);
          assert.ok(got.body.equals(revisions[i] as Buffer), `revision ${i}, byte for byte`);
        }
      });
    });
  });
}
