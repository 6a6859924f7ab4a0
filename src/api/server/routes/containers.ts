// Container routes (moby's api/server/router/container): create, list, inspect, the lifecycle
// verbs, logs, stats, top, changes, export, archive, attach, wait, update, prune.
import { DEFAULT_DETACH_KEYS, parseDetachKeys, type Engine } from '../../../engine/index.ts';
import { invalidArgument, isKind, notFound } from '../../../errdefs/index.ts';
import type { DaemonConfig } from '../daemon-config.ts';
import type { Route, RouteContext } from '../router.ts';
import type { ApiReply } from '../reply.ts';
import { queryBool, queryFilters, queryInt, readJson, type ApiRequest } from '../request.ts';
import { parseBody } from '../schema.ts';
import { createRequest, restartText, updateBody } from '../container-create.ts';
import { ContainerWatch, waitCondition, waitFor, waitStart } from '../container-watch.ts';
import { AttachHub, write, type AttachClient } from '../container-attach.ts';
import { acceptWebSocket } from '../container-websocket.ts';
import { exportContainer, getArchive, headArchive, putArchive } from '../container-archive.ts';
import { containerLogs, containerStats } from '../container-output.ts';

/** This module's state in the daemon: clients waiting to attach, waiters, console sizes. */
function slots(ctx: RouteContext): { watch: ContainerWatch; hub: AttachHub } {
  return {
    watch: ctx.state.slot('containers.watch', () => new ContainerWatch()),
    hub: ctx.state.slot('containers.attach', () => new AttachHub()),
  };
}

const idOf = (req: ApiRequest): string => req.params.id as string;

const live = (status: string): boolean => status === 'running' || status === 'paused';

/** Docker's `t` (seconds; API < 1.42 too) for stop and restart. */
function stopOptions(req: ApiRequest): { timeout?: number; signal?: string } {
  const timeout = queryInt(req.query, 't');
  const signal = req.query.get('signal') || undefined;
  return { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) };
}

/** A route whose handler streams its answer itself (container-output.ts, container-archive.ts). */
function streamed(method: Route['method'], path: string, fn: (req: ApiRequest, reply: ApiReply, engine: Engine) => Promise<void>): Route {
  return { method, path, handler: (req, reply, { engine }) => fn(req, reply, engine) };
}

/** `?platform=os/arch[/variant]`: the image must be that platform (dockerd's check; berth keeps one platform per name). */
async function checkPlatform(engine: Engine, image: string, wanted: string): Promise<void> {
  const [os = '', arch = '', variant] = wanted.toLowerCase().split('/');
  if (!os || !arch) throw invalidArgument(`"${wanted}": unknown operating system or architecture: invalid argument`);
  const i = await engine.images.inspect(image);
  const actual = [i.Os, i.Architecture, ...(i.Variant ? [i.Variant] : [])].join('/');
  if (i.Os !== os || i.Architecture !== (arch === 'x86_64' ? 'amd64' : arch === 'aarch64' ? 'arm64' : arch) || (variant !== undefined && i.Variant !== variant)) {
    throw notFound(`image with reference ${image} was found but its platform (${actual}) does not match the specified platform (${wanted})`, image);
  }
}

/** The container to attach to and the detach keys, checked while an error can still be an HTTP status. */
async function attachTarget(req: ApiRequest, ctx: RouteContext): Promise<{ rec: Awaited<ReturnType<Engine['containers']['get']>>; detachKeys: number[] }> {
  const rec = await ctx.engine.containers.get(idOf(req));
  const keysText = req.query.get('detachKeys') || DEFAULT_DETACH_KEYS;
  try {
    return { rec, detachKeys: parseDetachKeys(keysText) };
  } catch {
    throw invalidArgument(`Invalid detach keys (${keysText}) provided`);
  }
}

function attachStreams(req: ApiRequest): { stdin: boolean; stdout: boolean; stderr: boolean } {
  return { stdin: queryBool(req.query, 'stdin'), stdout: queryBool(req.query, 'stdout'), stderr: queryBool(req.query, 'stderr') };
}

/** `logs`: what the container wrote so far first; `stream`: then its live streams. */
async function serveAttach(req: ApiRequest, ctx: RouteContext, id: string, client: AttachClient): Promise<void> {
  if (queryBool(req.query, 'logs')) {
    for await (const e of ctx.engine.containers.logs(id, {})) if (client[e.stream]) write(client, e.stream, e.data);
  }
  if (!queryBool(req.query, 'stream')) return client.conn.end();
  const { hub, watch } = slots(ctx);
  await hub.serve(ctx.engine, id, client, watch);
}

/** daemon.json's default-ulimits under the container's own (a name the container sets is its own). */
function withDefaultUlimits(own: string[] | undefined, defaults: DaemonConfig['default-ulimits']): string[] | undefined {
  const given = new Set((own ?? []).map((u) => u.split('=')[0]));
  const added = Object.values(defaults ?? {}).filter((u) => !given.has(u.Name)).map((u) => `${u.Name}=${u.Soft}:${u.Hard}`);
  return added.length > 0 ? [...(own ?? []), ...added] : own;
}

export const containerRoutes: Route[] = [
  {
    method: 'POST',
    path: '/containers/create',
    handler: async (req, reply, ctx) => {
      const { options, consoleSize } = createRequest(await readJson(req), req.query.get('name') ?? undefined);
      options.ulimits = withDefaultUlimits(options.ulimits, ctx.state.info.config['default-ulimits']);
      const platform = req.query.get('platform');
      if (platform) await checkPlatform(ctx.engine, options.image, platform);
      const created = await ctx.engine.containers.create(options);
      if (consoleSize) slots(ctx).watch.consoleSizes.set(created.Id, consoleSize);
      reply.json(201, { Id: created.Id, Warnings: created.Warnings });
    },
  },
  {
    method: 'GET',
    path: '/containers/json',
    handler: async (req, reply, { engine }) => {
      const limit = queryInt(req.query, 'limit');
      const list = await engine.containers.list({ all: queryBool(req.query, 'all'), ...(limit !== undefined && limit > 0 ? { limit } : {}), filters: queryFilters(req.query), size: queryBool(req.query, 'size') });
      reply.json(200, list);
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/json',
    handler: async (req, reply, { engine }) => reply.json(200, await engine.containers.inspect(idOf(req), { size: queryBool(req.query, 'size') })),
  },
  {
    method: 'POST',
    path: '/containers/{id}/start',
    handler: async (req, reply, ctx) => {
      const rec = await ctx.engine.containers.get(idOf(req));
      if (live(rec.State.Status)) return reply.empty(304);
      const { hub, watch } = slots(ctx);
      try {
        await hub.start(ctx.engine, rec.Id, watch);
      } catch (err) {
        // As dockerd: an --rm container that cannot start is removed (`docker run --rm` waits for that).
        if (rec.HostConfig.AutoRemove) {
          watch.removed(rec.Id, rec.State.ExitCode);
          await ctx.engine.containers.remove(rec.Id, { force: true }).catch(() => undefined);
        }
        throw err;
      } finally {
        watch.touch(rec.Id);
      }
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/stop',
    handler: async (req, reply, ctx) => {
      const rec = await ctx.engine.containers.get(idOf(req));
      if (!live(rec.State.Status)) return reply.empty(304);
      await ctx.engine.containers.stop(rec.Id, stopOptions(req));
      slots(ctx).watch.touch(rec.Id);
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/restart',
    handler: async (req, reply, ctx) => {
      const id = await ctx.engine.containers.resolve(idOf(req));
      await ctx.engine.containers.restart(id, stopOptions(req));
      slots(ctx).watch.touch(id);
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/kill',
    handler: async (req, reply, ctx) => {
      const id = await ctx.engine.containers.resolve(idOf(req));
      await ctx.engine.containers.kill(idOf(req), req.query.get('signal') || undefined);
      slots(ctx).watch.touch(id);
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/wait',
    handler: async (req, reply, ctx) => {
      const condition = waitCondition(req.query.get('condition'));
      const from = await waitStart(ctx.engine, idOf(req));
      // Headers first, as dockerd: the client learns the wait is in place before it starts the container.
      const res = reply.stream(200, 'application/json');
      try {
        const code = await waitFor(ctx.engine, slots(ctx).watch, from, condition, req.signal);
        res.end(`${JSON.stringify({ StatusCode: code })}\n`);
      } catch (err) {
        if (req.signal.aborted) return;
        res.end(`${JSON.stringify({ StatusCode: -1, Error: { Message: (err as Error).message } })}\n`);
      }
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/pause',
    handler: async (req, reply, { engine }) => {
      await engine.containers.pause(idOf(req));
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/unpause',
    handler: async (req, reply, { engine }) => {
      await engine.containers.unpause(idOf(req));
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/rename',
    handler: async (req, reply, { engine }) => {
      const name = req.query.get('name');
      if (!name) throw invalidArgument('Neither old nor new names may be empty');
      await engine.containers.rename(idOf(req), name);
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/resize',
    handler: async (req, reply, { engine }) => {
      const height = queryInt(req.query, 'h', 0) as number;
      const width = queryInt(req.query, 'w', 0) as number;
      await engine.containers.resize(idOf(req), { height, width });
      reply.empty(200);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/update',
    handler: async (req, reply, { engine }) => {
      let u;
      try {
        u = parseBody(updateBody, await readJson(req));
      } catch (err) {
        throw isKind(err, 'InvalidArgument') && !(err as Error).message.startsWith('invalid JSON') ? invalidArgument(`invalid JSON: ${(err as Error).message}`) : err;
      }
      const result = await engine.containers.update(idOf(req), {
        ...(u.Memory ? { memory: u.Memory } : {}),
        ...(u.MemorySwap ? { memorySwap: u.MemorySwap } : {}),
        ...(u.NanoCpus ? { cpus: u.NanoCpus / 1e9 } : {}),
        ...(u.CpuShares ? { cpuShares: u.CpuShares } : {}),
        ...(u.PidsLimit ? { pidsLimit: u.PidsLimit } : {}),
        ...(u.RestartPolicy?.Name ? { restart: restartText(u.RestartPolicy) } : {}),
      });
      reply.json(200, { Warnings: result.Warnings.length > 0 ? result.Warnings : null });
    },
  },
  {
    method: 'DELETE',
    path: '/containers/{id}',
    handler: async (req, reply, ctx) => {
      const rec = await ctx.engine.containers.get(idOf(req));
      await ctx.engine.containers.remove(rec.Id, { force: queryBool(req.query, 'force'), volumes: queryBool(req.query, 'v') });
      slots(ctx).watch.removed(rec.Id, rec.State.ExitCode);
      reply.empty(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/prune',
    handler: async (req, reply, { engine }) => {
      const report = await engine.containers.prune(queryFilters(req.query));
      reply.json(200, { ContainersDeleted: report.ContainersDeleted.length > 0 ? report.ContainersDeleted : null, SpaceReclaimed: report.SpaceReclaimed });
    },
  },
  streamed('GET', '/containers/{id}/logs', containerLogs),
  streamed('GET', '/containers/{id}/stats', containerStats),
  {
    method: 'GET',
    path: '/containers/{id}/top',
    handler: async (req, reply, { engine }) => reply.json(200, await engine.containers.top(idOf(req), req.query.get('ps_args') ?? undefined)),
  },
  {
    method: 'GET',
    path: '/containers/{id}/changes',
    handler: async (req, reply, { engine }) => reply.json(200, await engine.containers.changes(idOf(req))),
  },
  streamed('GET', '/containers/{id}/export', exportContainer),
  streamed('HEAD', '/containers/{id}/archive', headArchive),
  streamed('GET', '/containers/{id}/archive', getArchive),
  streamed('PUT', '/containers/{id}/archive', putArchive),
  {
    method: 'POST',
    path: '/containers/{id}/attach',
    handler: async (req, reply, ctx) => {
      const { rec, detachKeys } = await attachTarget(req, ctx);
      const tty = rec.Config.Tty;
      const conn = reply.hijack(tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream', req.body);
      // A client that hangs up mid-write is an EPIPE on the socket: its close follows, which ends the attach.
      conn.output.on('error', () => undefined);
      conn.input.on('error', () => undefined);
      await serveAttach(req, ctx, rec.Id, { ...attachStreams(req), tty, conn, detachKeys });
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/attach/ws',
    handler: async (req, reply, ctx) => {
      const { rec, detachKeys } = await attachTarget(req, ctx);
      // Raw output whether or not there is a terminal: a websocket frames it already.
      await serveAttach(req, ctx, rec.Id, { ...attachStreams(req), tty: true, conn: acceptWebSocket(req, reply), detachKeys });
    },
  },
];
