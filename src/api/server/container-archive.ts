// /containers/{id}/archive (docker cp) and /containers/{id}/export: HEAD stats a path, GET sends
// it as a tar, PUT extracts a tar into a directory. The stat travels in the
// X-Docker-Container-Path-Stat header as base64 JSON, as dockerd sends it.
import { pipeline } from 'node:stream/promises';
import { archiveFromRoot, extractIntoRoot, statInRoot, tarDirectory, type Engine, type PathStat } from '../../engine/index.ts';
import { invalidArgument } from '../../errdefs/index.ts';
import type { ApiReply } from './reply.ts';
import { queryBool, type ApiRequest } from './request.ts';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function statHeader(stat: PathStat): Record<string, string> {
  return { [STAT_HEADER]: Buffer.from(JSON.stringify(stat)).toString('base64') };
}

function pathOf(req: ApiRequest): string {
  const path = req.query.get('path');
  if (!path) throw invalidArgument('Path cannot be empty');
  return path;
}

export async function headArchive(req: ApiRequest, reply: ApiReply, engine: Engine): Promise<void> {
  const path = pathOf(req);
  const stat = await engine.containers.withRootfs(req.params.id as string, async (rootfs) => statInRoot(rootfs, path, req.params.id as string));
  reply.empty(200, '', statHeader(stat));
}

export async function getArchive(req: ApiRequest, reply: ApiReply, engine: Engine): Promise<void> {
  const path = pathOf(req);
  const id = req.params.id as string;
  await engine.containers.withRootfs(id, async (rootfs) => {
    // Stat first: a missing path is a 404 while the headers can still say so.
    const { stat, tar } = archiveFromRoot(rootfs, path, id);
    const res = reply.stream(200, 'application/x-tar', statHeader(stat));
    await pipeline(tar, res);
  });
}

export async function putArchive(req: ApiRequest, reply: ApiReply, engine: Engine): Promise<void> {
  const path = pathOf(req);
  const id = req.params.id as string;
  // Without copyUIDGID (docker cp without -a) the files belong to the container's root.
  const owner = queryBool(req.query, 'copyUIDGID') ? undefined : { uid: 0, gid: 0 };
  await engine.containers.withRootfs(id, async (rootfs, rec) => {
    await extractIntoRoot(rootfs, path, id, req.body, { noOverwriteDirNonDir: queryBool(req.query, 'noOverwriteDirNonDir'), owner, readonlyRootfs: rec.HostConfig.ReadonlyRootfs });
  });
  reply.empty(200);
}

export async function exportContainer(req: ApiRequest, reply: ApiReply, engine: Engine): Promise<void> {
  await engine.containers.withRootfs(req.params.id as string, async (rootfs) => {
    await pipeline(tarDirectory(rootfs), reply.stream(200, 'application/x-tar'));
  });
}
