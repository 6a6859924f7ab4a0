// Builds on a daemon: the context directory sent as a tar to POST /build (the classic builder
// protocol), the daemon's output lines shown as the output of one step.
import { lstatSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { BerthError } from '../../errdefs/index.ts';
import { BuildContext } from '../../build/index.ts';
import type { BuildOptions, BuilderService } from '../../engine/index.ts';
import { remoteOnly, type ApiClient } from './transport.ts';
import { directoryTar } from './tar.ts';

interface BuildLine {
  stream?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
}

export function remoteBuilder(api: ApiClient): BuilderService {
  return {
    build: async (o: BuildOptions) => {
      if (o.dockerfileText !== undefined || o.outputs?.length || o.cacheFrom?.length || o.cacheTo?.length || o.secrets && Object.keys(o.secrets).length > 0) {
        throw remoteOnly('-f -, --output, --cache-from/--cache-to and --secret');
      }
      const contextDir = resolve(o.contextDir);
      const dockerfile = relative(contextDir, resolve(o.dockerfile ?? join(contextDir, 'Dockerfile')));
      if (dockerfile.startsWith('..') || isAbsolute(dockerfile)) throw remoteOnly('a Dockerfile outside the build context');
      const res = await api.request('POST', '/build', {
        query: {
          t: o.tags,
          dockerfile,
          buildargs: o.buildArgs ? JSON.stringify(o.buildArgs) : undefined,
          labels: o.labels ? JSON.stringify(o.labels) : undefined,
          target: o.target,
          nocache: o.noCache,
          pull: o.pull,
          networkmode: o.network,
          platform: o.platform,
        },
        body: directoryTar(contextDir, contextFiles(contextDir, dockerfile)),
        headers: { 'Content-Type': 'application/x-tar' },
        signal: o.signal,
      });
      const emit = o.onEvent ?? ((): void => undefined);
      const began = performance.now();
      emit({ type: 'start', vertex: 1, name: `build on ${api.host}` });
      let id = '';
      for await (const line of api.jsonLines<BuildLine>(res)) {
        if (line.error || line.errorDetail) {
          const message = line.errorDetail?.message ?? line.error ?? 'the build failed';
          emit({ type: 'error', vertex: 1, message, seconds: (performance.now() - began) / 1000 });
          throw new BerthError('Internal', message);
        }
        if (line.aux?.ID) id = line.aux.ID;
        if (line.stream) emit({ type: 'log', vertex: 1, stream: 'stdout', data: Buffer.from(line.stream), elapsed: (performance.now() - began) / 1000 });
      }
      emit({ type: 'done', vertex: 1, seconds: (performance.now() - began) / 1000 });
      return { id };
    },
    prune: async (o = {}) => {
      const r = await api.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', { query: { all: o.all } });
      return { CachesDeleted: r.CachesDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed };
    },
  };
}

/**
 * What the daemon gets of a context: what .dockerignore leaves in (as docker/cli sends it), with
 * the Dockerfile and .dockerignore always; directories listed so that empty ones arrive too.
 */
function contextFiles(dir: string, dockerfile: string): string[] {
  const context = BuildContext.open(dir, join(dir, `${dockerfile}.dockerignore`));
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel ? join(dir, rel) : dir).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const isDirectory = lstatSync(join(dir, child)).isDirectory();
      if (context.skipped(child, isDirectory)) continue;
      if (isDirectory) {
        out.push(child);
        walk(child);
      } else if (!context.excluded(child)) {
        out.push(child);
      }
    }
  };
  walk('');
  for (const always of [dockerfile, '.dockerignore']) if (!out.includes(always) && lstatSync(join(dir, always), { throwIfNoEntry: false })) out.push(always);
  return out;
}
