// `build` in the local engine: the context directory and Dockerfile read here, the builder run
// over the local worker; `builder prune` forgets the cache and the step images only it kept.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { build, BuildContext } from '../build/index.ts';
import { errnoCode, invalidArgument } from '../errdefs/index.ts';
import { parseTaggedName } from '../image/index.ts';
import type { ImageStore } from '../store/index.ts';
import { buildCache, LocalBuildWorker } from './build-worker.ts';
import type { LocalContainerService } from './containers.ts';
import type { BuilderService, BuildOptions } from './types.ts';

export class LocalBuilderService implements BuilderService {
  private readonly store: ImageStore;
  private readonly containers: LocalContainerService;

  constructor(store: ImageStore, containers: LocalContainerService) {
    this.store = store;
    this.containers = containers;
  }

  async build(o: BuildOptions): Promise<{ id: string }> {
    const contextDir = resolve(o.contextDir);
    const dockerfilePath = o.dockerfile === undefined ? join(contextDir, 'Dockerfile') : isAbsolute(o.dockerfile) ? o.dockerfile : resolve(o.dockerfile);
    let text = o.dockerfileText;
    if (text === undefined) {
      try {
        text = readFileSync(dockerfilePath, 'utf8');
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') throw invalidArgument(`failed to read dockerfile: open ${dockerfilePath}: no such file or directory`);
        throw err;
      }
    }
    const network = o.network ?? 'none';
    if (network !== 'none' && network !== 'host' && network !== 'default') throw invalidArgument(`network mode "${network}" not supported by berth builds: use none or host`);
    const tags = (o.tags ?? []).map((t) => parseTaggedName(t));
    const context = BuildContext.open(contextDir, o.dockerfileText === undefined ? `${dockerfilePath}.dockerignore` : undefined);
    return build(new LocalBuildWorker(this.store, this.containers), {
      dockerfileText: text,
      dockerfileName: o.dockerfileText === undefined ? (o.dockerfile ?? 'Dockerfile') : 'Dockerfile',
      context,
      tags,
      target: o.target,
      buildArgs: o.buildArgs ?? {},
      labels: o.labels ?? {},
      noCache: o.noCache ?? false,
      pull: o.pull ?? false,
      network: network === 'host' ? 'host' : 'none',
      platform: o.platform,
      onEvent: o.onEvent ?? (() => undefined),
      signal: o.signal,
    });
  }

  async prune(opts: { all?: boolean } = {}): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    const cache = buildCache(this.store.root);
    const forgotten = await cache.update((doc) => {
      const ids = [...new Set(Object.values(doc.steps).map((s) => s.id))];
      doc.steps = {};
      return ids;
    });
    const before = await this.layerBytes();
    const deleted: string[] = [];
    const doc = await this.store.document();
    for (const rec of Object.values(doc.images)) {
      if (!rec.intermediate || rec.names.length > 0) continue;
      if (!opts.all && !forgotten.includes(rec.id)) continue;
      if (await this.containers.userOf(rec.id)) continue;
      const r = await this.store.remove(rec.id, { force: true });
      deleted.push(...r.deleted);
    }
    return { CachesDeleted: deleted, SpaceReclaimed: Math.max(0, before - (await this.layerBytes())) };
  }

  private async layerBytes(): Promise<number> {
    return Object.values((await this.store.document()).layers).reduce((n, l) => n + l.tarSize, 0);
  }
}
