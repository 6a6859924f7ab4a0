// berth's registry: the OCI distribution-spec v1.1 (and Docker Registry HTTP API v2) over
// RegistryStorage. Routes by the spec's URL shapes; every name, tag and digest is checked against
// the spec's grammar before it comes near a path on disk.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Digest } from '../content/index.ts';
import { BerthError } from '../errdefs/index.ts';
import { isIndexType, MediaType, parseIndex, parseManifest } from '../image/index.ts';
import { ApiError, digestShaped, sendError, validName, validSha256, validTag } from './api.ts';
import type { AccessControl, Need } from './access.ts';
import { RegistryStorage, type ReferrerEntry, type RegistryReader, type Upload } from './storage.ts';

/** Manifests larger than this are refused (distribution's limit). */
export const MAX_MANIFEST = 4 << 20;

export interface RouteInfo {
  /** The route's name, for logs and metrics ("manifest", "blob", "upload", ...). */
  route: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray) => Promise<void>;

export function registryHandler(backend: RegistryStorage | RegistryReader, access?: AccessControl): (req: IncomingMessage, res: ServerResponse) => Promise<RouteInfo> {
  const reader: RegistryReader = backend;
  /** The writable storage; a read-only registry (a view of berth's store) answers 405. */
  const writable = (): RegistryStorage => {
    if (!(backend instanceof RegistryStorage)) throw new ApiError('UNSUPPORTED', { reason: 'this registry is read-only' });
    return backend;
  };
  const routes: [string, RegExp, Record<string, Handler>][] = [
    ['base', /^\/v2\/?$/, { GET: base, HEAD: base }],
    ['catalog', /^\/v2\/_catalog$/, { GET: catalog }],
    ['tags', /^\/v2\/(.+)\/tags\/list$/, { GET: tagsList }],
    ['manifest', /^\/v2\/(.+)\/manifests\/([^/]+)$/, { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest }],
    ['upload', /^\/v2\/(.+)\/blobs\/uploads\/?$/, { POST: startUpload }],
    ['upload', /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, { PATCH: patchUpload, PUT: putUpload, GET: uploadStatus, DELETE: cancelUpload }],
    ['blob', /^\/v2\/(.+)\/blobs\/([^/]+)$/, { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob }],
    ['referrers', /^\/v2\/(.+)\/referrers\/([^/]+)$/, { GET: referrers }],
  ];

  return async (req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://registry');
    // Routed on the path as sent: URL parsing would resolve "%2e%2e" segments into another name.
    const path = (req.url ?? '/').split('?')[0] as string;
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    let route = 'unknown';
    try {
      for (const [name, re, handlers] of routes) {
        const m = re.exec(path);
        if (!m) continue;
        route = name;
        const handler = handlers[method];
        if (!handler) throw new ApiError('UNSUPPORTED', { method }, 405);
        if (m[1] !== undefined && name !== 'base' && name !== 'catalog') {
          // Decoded once; the spec's grammar then rules out "..", "%2e" tricks and separators.
          m[1] = decodeURIComponent(m[1]);
          if (!validName(m[1])) throw new ApiError('NAME_INVALID', { name: m[1] });
        }
        if (access) {
          const need: Need = name === 'base' ? { type: 'base', name: '', actions: [] } : name === 'catalog' ? { type: 'registry', name: 'catalog', actions: ['*'] } : { type: 'repository', name: m[1] as string, actions: actionsFor(method) };
          const decision = await access.decide(req, need);
          if (!decision.allowed) {
            if (decision.challenge) res.setHeader('WWW-Authenticate', decision.challenge);
            throw new ApiError(decision.code, undefined, decision.status);
          }
        }
        await handler(req, res, url, m);
        return { route };
      }
      throw new ApiError('NAME_UNKNOWN', { path }, 404);
    } catch (err) {
      req.resume();
      if (!res.headersSent) sendError(res, toApiError(err), method);
      else res.destroy();
      return { route };
    }
  };

  async function base(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    json(res, 200, {});
  }

  async function catalog(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const page = paginate(await reader.repositories(), url);
    if (page.next) res.setHeader('Link', `</v2/_catalog?n=${page.n}&last=${encodeURIComponent(page.next)}>; rel="next"`);
    json(res, 200, { repositories: page.items });
  }

  async function tagsList(_req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    if (!(await reader.repoExists(repo))) throw new ApiError('NAME_UNKNOWN', { name: repo });
    const page = paginate(await reader.tags(repo), url);
    if (page.next) res.setHeader('Link', `</v2/${repo}/tags/list?n=${page.n}&last=${encodeURIComponent(page.next)}>; rel="next"`);
    json(res, 200, { name: repo, tags: page.items });
  }

  /** A tag or digest to the manifest's digest; undefined when unknown. */
  async function resolve(repo: string, ref: string): Promise<Digest | undefined> {
    if (ref.includes(':')) {
      if (!digestShaped(ref)) throw new ApiError('DIGEST_INVALID', { digest: ref });
      return validSha256(ref) ? (ref as Digest) : undefined;
    }
    if (!validTag(ref)) throw new ApiError('MANIFEST_INVALID', { tag: ref }, 400);
    return reader.tag(repo, ref);
  }

  async function getManifest(req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    const ref = decodeURIComponent(m[2] as string);
    const d = await resolve(repo, ref);
    const found = d ? await reader.manifest(repo, d) : undefined;
    if (!d || !found) throw new ApiError('MANIFEST_UNKNOWN', { name: repo, reference: ref });
    res.writeHead(200, { 'Content-Type': found.mediaType, 'Content-Length': found.bytes.length, 'Docker-Content-Digest': d, ETag: `"${d}"` });
    res.end(req.method === 'HEAD' ? undefined : found.bytes);
  }

  async function putManifest(req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    const ref = decodeURIComponent(m[2] as string);
    const byDigest = ref.includes(':');
    if (byDigest && !validSha256(ref)) throw new ApiError('DIGEST_INVALID', { digest: ref });
    if (!byDigest && !validTag(ref)) throw new ApiError('MANIFEST_INVALID', { tag: ref });
    const bytes = await readLimited(req, MAX_MANIFEST);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
    if (byDigest && digest !== ref) throw new ApiError('DIGEST_INVALID', { expected: ref, got: digest });
    let doc: ManifestDoc;
    try {
      doc = JSON.parse(bytes.toString('utf8')) as ManifestDoc;
    } catch {
      throw new ApiError('MANIFEST_INVALID', { reason: 'not valid JSON' });
    }
    if (typeof doc !== 'object' || doc === null || doc.schemaVersion !== 2) throw new ApiError('MANIFEST_INVALID', { reason: 'schemaVersion must be 2' });
    // The shape, validated once: descriptors with digests and sizes, layers and manifests as lists.
    try {
      if (Array.isArray(doc.manifests) || isIndexType(doc.mediaType)) parseIndex(bytes);
      else parseManifest(bytes);
    } catch (err) {
      throw new ApiError('MANIFEST_INVALID', { reason: (err as Error).message });
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const mediaType = doc.mediaType ?? (contentType || (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest));
    if (doc.mediaType && contentType && contentType !== doc.mediaType && contentType !== 'application/octet-stream') {
      throw new ApiError('MANIFEST_INVALID', { reason: `Content-Type ${contentType} does not match the manifest's mediaType ${doc.mediaType}` });
    }
    await checkReferences(repo, doc);
    await writable().putManifest(repo, digest, bytes, mediaType);
    if (!byDigest) await writable().setTag(repo, ref, digest);
    const subject = doc.subject;
    if (subject && typeof subject.digest === 'string' && validSha256(subject.digest)) {
      const entry: ReferrerEntry = { mediaType, digest, size: bytes.length };
      const artifactType = doc.artifactType ?? doc.config?.mediaType;
      if (artifactType) entry.artifactType = artifactType;
      if (doc.annotations) entry.annotations = doc.annotations;
      await writable().addReferrer(repo, subject.digest as Digest, entry);
      res.setHeader('OCI-Subject', subject.digest);
    }
    res.writeHead(201, { Location: `/v2/${repo}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 });
    res.end();
  }

  /** Every blob and manifest a manifest names must be in the repository (MANIFEST_BLOB_UNKNOWN otherwise). */
  async function checkReferences(repo: string, doc: ManifestDoc): Promise<void> {
    const descriptors = Array.isArray(doc.manifests) ? doc.manifests : [...(doc.config ? [doc.config] : []), ...(Array.isArray(doc.layers) ? doc.layers : [])];
    if (!Array.isArray(doc.manifests) && !doc.config) throw new ApiError('MANIFEST_INVALID', { reason: 'an image manifest needs a config' });
    for (const d of descriptors) {
      if (typeof d !== 'object' || d === null || typeof d.digest !== 'string' || !validSha256(d.digest) || typeof d.size !== 'number') throw new ApiError('MANIFEST_INVALID', { reason: 'a descriptor lacks a valid digest or size' });
      if (Array.isArray(d.urls) && d.urls.length > 0) continue; // foreign layers live elsewhere
      const known = Array.isArray(doc.manifests) ? (await reader.manifest(repo, d.digest as Digest)) !== undefined : (await reader.blobSize(repo, d.digest as Digest)) !== undefined;
      if (!known) throw new ApiError('MANIFEST_BLOB_UNKNOWN', { digest: d.digest });
    }
  }

  async function deleteManifest(_req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    const ref = decodeURIComponent(m[2] as string);
    const deleted = ref.includes(':') ? validSha256(ref) && (await writable().deleteManifest(repo, ref as Digest)) : validTag(ref) && (await writable().deleteTag(repo, ref));
    if (!deleted) throw new ApiError('MANIFEST_UNKNOWN', { name: repo, reference: ref });
    res.writeHead(202, { 'Content-Length': 0 }).end();
  }

  function blobDigest(s: string): Digest {
    if (!validSha256(s)) throw new ApiError('DIGEST_INVALID', { digest: s });
    return s as Digest;
  }

  async function getBlob(req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    const d = blobDigest(decodeURIComponent(m[2] as string));
    const size = await reader.blobSize(repo, d);
    if (size === undefined) throw new ApiError('BLOB_UNKNOWN', { digest: d });
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': d, ETag: `"${d}"`, 'Accept-Ranges': 'bytes', 'Cache-Control': 'max-age=31536000' };
    const range = parseRange(req.headers.range, size);
    if (range === 'invalid') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    if (range) {
      res.writeHead(206, { ...headers, 'Content-Length': range.end - range.start + 1, 'Content-Range': `bytes ${range.start}-${range.end}/${size}` });
    } else {
      res.writeHead(200, { ...headers, 'Content-Length': size });
    }
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    const body = await reader.readBlob(d, range ?? undefined);
    await new Promise<void>((resolve, reject) => {
      body.on('error', reject);
      res.on('close', resolve);
      body.pipe(res);
    });
  }

  async function deleteBlob(_req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    const d = blobDigest(decodeURIComponent(m[2] as string));
    if (!(await writable().unlinkBlob(repo, d))) throw new ApiError('BLOB_UNKNOWN', { digest: d });
    res.writeHead(202, { 'Content-Length': 0 }).end();
  }

  async function startUpload(req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    // A mount needs pull rights on the source repository too; without them the client uploads.
    const mayPullFrom = async (): Promise<boolean> => !access || (await access.decide(req, { type: 'repository', name: from as string, actions: ['pull'] })).allowed;
    if (mount !== null && from !== null && validSha256(mount) && validName(from) && (await reader.blobSize(from, mount as Digest)) !== undefined && (await mayPullFrom())) {
      req.resume();
      await writable().linkBlob(repo, mount as Digest);
      res.writeHead(201, { Location: `/v2/${repo}/blobs/${mount}`, 'Docker-Content-Digest': mount, 'Content-Length': 0 }).end();
      return;
    }
    const digest = url.searchParams.get('digest');
    if (digest !== null) {
      // Monolithic upload in the POST itself.
      const d = blobDigest(digest);
      await writable().putBlob(repo, d, req);
      res.writeHead(201, { Location: `/v2/${repo}/blobs/${d}`, 'Docker-Content-Digest': d, 'Content-Length': 0 }).end();
      return;
    }
    req.resume();
    const u = await writable().startUpload(repo);
    uploadAccepted(res, 202, repo, u.id, 0);
  }

  async function upload(m: RegExpExecArray): Promise<{ repo: string; u: Upload }> {
    const repo = m[1] as string;
    const u = await writable().upload(repo, decodeURIComponent(m[2] as string));
    if (!u) throw new ApiError('BLOB_UPLOAD_UNKNOWN', { upload: m[2] });
    return { repo, u };
  }

  async function patchUpload(req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const { repo, u } = await upload(m);
    checkContentRange(req, u.size);
    const size = await writable().appendUpload(u, req);
    uploadAccepted(res, 202, repo, u.id, size);
  }

  async function putUpload(req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): Promise<void> {
    const { repo, u } = await upload(m);
    const digest = url.searchParams.get('digest');
    if (digest === null) throw new ApiError('DIGEST_INVALID', { reason: 'the digest query parameter is missing' });
    const d = blobDigest(digest);
    checkContentRange(req, u.size);
    try {
      await writable().finishUpload(u, d, req);
    } catch (err) {
      await writable().cancelUpload(u);
      throw err;
    }
    res.writeHead(201, { Location: `/v2/${repo}/blobs/${d}`, 'Docker-Content-Digest': d, 'Content-Length': 0 }).end();
  }

  async function uploadStatus(_req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const { repo, u } = await upload(m);
    uploadAccepted(res, 204, repo, u.id, u.size);
  }

  async function cancelUpload(req: IncomingMessage, res: ServerResponse, _url: URL, m: RegExpExecArray): Promise<void> {
    const { u } = await upload(m);
    req.resume();
    await writable().cancelUpload(u);
    res.writeHead(204).end();
  }

  async function referrers(_req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): Promise<void> {
    const repo = m[1] as string;
    const d = blobDigest(decodeURIComponent(m[2] as string));
    const artifactType = url.searchParams.get('artifactType');
    let entries = await reader.referrers(repo, d);
    if (artifactType !== null) {
      entries = entries.filter((e) => e.artifactType === artifactType);
      res.setHeader('OCI-Filters-Applied', 'artifactType');
    }
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: entries }));
    res.writeHead(200, { 'Content-Type': MediaType.OciIndex, 'Content-Length': body.length });
    res.end(body);
  }
}

function actionsFor(method: string): string[] {
  if (method === 'GET' || method === 'HEAD') return ['pull'];
  if (method === 'DELETE') return ['delete'];
  return ['pull', 'push'];
}

interface ManifestDoc {
  schemaVersion?: unknown;
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string; digest?: unknown; size?: unknown; urls?: unknown };
  layers?: { digest?: unknown; size?: unknown; urls?: unknown }[];
  manifests?: { digest?: unknown; size?: unknown; urls?: unknown }[];
  subject?: { digest?: unknown };
  annotations?: Record<string, string>;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function uploadAccepted(res: ServerResponse, status: number, repo: string, id: string, size: number): void {
  res.writeHead(status, {
    Location: `/v2/${repo}/blobs/uploads/${id}`,
    'Docker-Upload-UUID': id,
    // The bytes received so far, inclusive (distribution says 0-0 for none).
    Range: `0-${Math.max(0, size - 1)}`,
    'Content-Length': 0,
  });
  res.end();
}

/** A chunk must start where the upload stands (416 otherwise, as the spec says). */
function checkContentRange(req: IncomingMessage, size: number): void {
  const header = req.headers['content-range'];
  if (header === undefined) return;
  const m = /^(?:bytes )?(\d+)-(\d+)$/.exec(header);
  if (!m || Number(m[1]) !== size || Number(m[2]) < Number(m[1])) throw new ApiError('BLOB_UPLOAD_INVALID', { reason: `Content-Range ${header} does not continue the upload at ${size}` }, 416);
}

/** `bytes=START-END` (or `START-`, or `-SUFFIX`) within a blob of `size` bytes. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

function paginate(all: string[], url: URL): { items: string[]; n: number; next?: string } {
  const last = url.searchParams.get('last');
  const nText = url.searchParams.get('n');
  let items = last === null ? all : all.filter((x) => x > last);
  const n = nText === null ? items.length : Math.max(0, Number(nText) || 0);
  const more = items.length > n;
  items = items.slice(0, n);
  return { items, n, ...(more && items.length > 0 ? { next: items[items.length - 1] } : {}) };
}

/**
 * A body of at most `limit` bytes. A larger one is read to its end and dropped before the 413 goes
 * out: answering while the client still sends would reset its connection before it reads the answer.
 */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n <= limit) chunks.push(c);
  }
  if (n > limit) throw new ApiError('SIZE_INVALID', { reason: `manifests are limited to ${limit} bytes` }, 413);
  return Buffer.concat(chunks);
}

/** Storage errors in the spec's words: a digest mismatch is DIGEST_INVALID, the rest a 500. */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof BerthError && /digest mismatch|size mismatch|bytes, expected/i.test(err.message)) return new ApiError('DIGEST_INVALID', { reason: err.message });
  return new ApiError('UNKNOWN', { reason: err instanceof Error ? err.message : String(err) });
}
