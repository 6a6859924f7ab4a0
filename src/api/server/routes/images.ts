// Image routes (moby's api/server/router/image): list, inspect, history, tag, remove, prune, pull
// and import (POST /images/create), push, save (get), load, and search.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageInspect, ImageSummary, RemoveReport } from '../../../engine/index.ts';
import { internal, invalidArgument, isKind, unavailable } from '../../../errdefs/index.ts';
import type { ApiRequest } from '../request.ts';
import { queryBool, queryFilters, queryInt, readBody } from '../request.ts';
import type { ApiReply } from '../reply.ts';
import type { Route, RouteContext } from '../router.ts';
import { JsonStream } from '../image-stream.ts';
import { lenientAuthHeader, parseAuthConfig, registryAccess, type AuthConfig } from '../image-auth.ts';
import { hasTagOrDigest, withTag } from '../image-names.ts';

/** The fields API versions before 1.44 still had (VirtualSize; inspect's container fields), and before 1.43 `<none>` names. */
function listShape(req: ApiRequest, images: ImageSummary[], shared: Map<string, number> | undefined): ImageSummary[] {
  return images.map((i) => {
    const out: ImageSummary = { ...i, SharedSize: shared?.get(i.Id) ?? -1 };
    if (req.version.below('1.43') && i.RepoTags.length === 0 && i.RepoDigests.length === 0) Object.assign(out, { RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] });
    if (req.version.below('1.44')) out.VirtualSize = i.Size;
    else delete out.VirtualSize;
    return out;
  });
}

function inspectShape(req: ApiRequest, i: ImageInspect): Record<string, unknown> {
  const out: Record<string, unknown> = { ...i };
  if (req.version.below('1.44')) Object.assign(out, { Container: '', ContainerConfig: i.Config, VirtualSize: i.Size });
  if (req.version.below('1.48')) delete out.Descriptor;
  return out;
}

async function list(req: ApiRequest, reply: ApiReply, { engine }: RouteContext): Promise<void> {
  const filters = queryFilters(req.query);
  // `filter=NAME` is the reference filter of API versions before 1.41.
  const old = req.query.get('filter');
  if (old && req.version.below('1.41')) (filters.reference ??= []).push(old);
  const images = await engine.images.list({ all: queryBool(req.query, 'all'), filters });
  let shared: Map<string, number> | undefined;
  if (queryBool(req.query, 'shared-size')) shared = new Map((await engine.system.df()).images.map((u) => [u.id, u.sharedSize]));
  reply.json(200, listShape(req, images, shared));
}

async function createImage(req: ApiRequest, reply: ApiReply, ctx: RouteContext): Promise<void> {
  const q = req.query;
  const platform = req.version.atLeast('1.32') ? q.get('platform') || undefined : undefined;
  const fromImage = q.get('fromImage') ?? '';
  if (fromImage !== '') return pull(req, reply, ctx, fromImage.replace(/:$/, ''), q.get('tag') ?? '', platform);
  const src = q.get('fromSrc') ?? '';
  if (src === '') throw invalidArgument('fromImage or fromSrc must be given: nothing to pull or import');
  const repo = q.get('repo') ?? '';
  const reference = repo === '' ? undefined : withTag(repo, q.get('tag') ?? '');
  const out = new JsonStream(reply, req.signal);
  let body: Readable = req.body;
  if (src !== '-') {
    const url = src.includes('://') ? src : `http://${src}`;
    const res = await fetch(url, { signal: req.signal });
    if (!res.ok || !res.body) throw invalidArgument(`error downloading ${url}: ${res.status} ${res.statusText}`);
    body = Readable.fromWeb(res.body);
  }
  try {
    const id = await ctx.engine.images.import(body, { reference, changes: q.getAll('changes'), message: q.get('message') ?? undefined, platform, sourceName: src });
    out.write({ status: id });
    out.end();
  } catch (err) {
    out.end(err);
  }
}

async function pull(req: ApiRequest, reply: ApiReply, { engine, state }: RouteContext, name: string, tag: string, platform: string | undefined): Promise<void> {
  const ref = withTag(name, tag);
  const out = new JsonStream(reply, req.signal);
  // A name with neither tag nor digest pulls every tag, as dockerd does (the CLI sends :latest itself).
  const allTags = !hasTagOrDigest(ref);
  try {
    await engine.images.pull(ref, { ...registryAccess(state, lenientAuthHeader(req.headers['x-registry-auth'])), platform, allTags, onProgress: out.progress });
    out.end();
  } catch (err) {
    // dockerd answers a registry's refusal of a pull with a 500, not a 401: a 401 makes the docker
    // CLI ask for a login (and wait on stdin for it).
    out.end(isKind(err, 'Unauthorized') ? internal(err.message, err) : err);
  }
}

async function push(req: ApiRequest, reply: ApiReply, { engine, state }: RouteContext): Promise<void> {
  const header = req.headers['x-registry-auth'];
  let auth: AuthConfig | undefined;
  if (header) auth = lenientAuthHeader(header);
  else {
    // Clients before X-Registry-Auth sent the AuthConfig as the body.
    try {
      auth = parseAuthConfig((await readBody(req, 1 << 20)).toString('utf8'));
    } catch (err) {
      throw invalidArgument(`bad parameters and missing X-Registry-Auth: invalid X-Registry-Auth header: ${(err as Error).message}`);
    }
  }
  const name = req.params.name as string;
  const tag = req.query.get('tag') ?? '';
  const ref = withTag(name, tag);
  const out = new JsonStream(reply, req.signal);
  try {
    const reports = await engine.images.push(ref, { ...registryAccess(state, auth), allTags: !hasTagOrDigest(ref), onProgress: out.progress });
    for (const r of reports) out.write({ progressDetail: {}, aux: { Tag: r.tag, Digest: r.digest, Size: r.size } });
    out.end();
  } catch (err) {
    out.end(err);
  }
}

async function remove(req: ApiRequest, reply: ApiReply, { engine }: RouteContext): Promise<void> {
  const name = req.params.name as string;
  if (name.trim() === '') throw invalidArgument('image name cannot be blank');
  // noprune: berth's images have no parent chain of untagged images to prune.
  const report: RemoveReport[] = await engine.images.remove(name, { force: queryBool(req.query, 'force') });
  reply.json(200, report);
}

async function prune(req: ApiRequest, reply: ApiReply, { engine }: RouteContext): Promise<void> {
  const filters = queryFilters(req.query);
  // dangling=false is `prune -a`: every unused image, not only the untagged ones.
  const all = (filters.dangling ?? []).some((v) => ['false', '0'].includes(v.toLowerCase()));
  if (all) delete filters.dangling;
  const r = await engine.images.prune({ all, filters });
  reply.json(200, { ImagesDeleted: r.ImagesDeleted.length > 0 ? r.ImagesDeleted : null, SpaceReclaimed: r.SpaceReclaimed });
}

async function save(req: ApiRequest, reply: ApiReply, { engine }: RouteContext, names: string[]): Promise<void> {
  const tar = await engine.images.save(names);
  const res = reply.stream(200, 'application/x-tar');
  await pipeline(tar, res).catch(() => reply.destroy()); // headers are out: a broken tar is all the client can be told
}

async function load(req: ApiRequest, reply: ApiReply, { engine }: RouteContext): Promise<void> {
  const out = new JsonStream(reply, req.signal);
  // dockerd answers 200 at once and reports a bad archive in the stream.
  out.open();
  try {
    for (const l of await engine.images.load(req.body)) {
      if (l.names.length === 0) out.text(`Loaded image ID: ${l.id}\n`);
      for (const n of l.names) out.text(`Loaded image: ${n}\n`);
    }
    out.end();
  } catch (err) {
    out.end(err);
  }
}

async function search(req: ApiRequest): Promise<void> {
  const limit = queryInt(req.query, 'limit', 25) as number;
  if (limit < 1 || limit > 100) throw invalidArgument(`limit ${limit} is outside the range of [1, 100]`);
  const term = req.query.get('term') ?? '';
  throw unavailable(`Error searching for "${term}": berth has no registry index to search (docker.io's search is not used); list a registry's tags with 'berth image tags REGISTRY/REPOSITORY'`);
}

export const imageRoutes: Route[] = [
  { method: 'GET', path: '/images/json', handler: list },
  { method: 'GET', path: '/images/search', handler: search },
  { method: 'GET', path: '/images/get', handler: (req, reply, ctx) => save(req, reply, ctx, req.query.getAll('names')) },
  { method: 'POST', path: '/images/create', handler: createImage },
  { method: 'POST', path: '/images/load', handler: load },
  { method: 'POST', path: '/images/prune', handler: prune },
  {
    method: 'GET',
    path: '/images/{name}/json',
    handler: async (req, reply, { engine }) => reply.json(200, inspectShape(req, await engine.images.inspect(req.params.name as string))),
  },
  { method: 'GET', path: '/images/{name}/history', handler: async (req, reply, { engine }) => reply.json(200, await engine.images.history(req.params.name as string)) },
  { method: 'GET', path: '/images/{name}/get', handler: (req, reply, ctx) => save(req, reply, ctx, [req.params.name as string]) },
  {
    method: 'POST',
    path: '/images/{name}/tag',
    handler: async (req, reply, { engine }) => {
      const repo = req.query.get('repo') ?? '';
      if (repo === '') throw invalidArgument('repository name must have at least one component');
      await engine.images.tag(req.params.name as string, withTag(repo, req.query.get('tag') ?? ''));
      reply.empty(201);
    },
  },
  { method: 'POST', path: '/images/{name}/push', handler: push },
  { method: 'DELETE', path: '/images/{name}', handler: remove },
];
