// `build` in the local engine: the context directory and Dockerfile read here, the builder run
// over the local worker; `builder prune` forgets the cache and the step images only it kept.
import { createWriteStream, existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAbsolute, join, posix, relative, resolve } from 'node:path';
import { build, BuildContext, type FileDigests } from '../build/index.ts';
import { errnoCode, invalidArgument } from '../errdefs/index.ts';
import { parseTaggedName } from '../image/index.ts';
import { applyLayer, tarDirectory } from '../layer/index.ts';
import { JsonDocument } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
import { buildCache, cacheMountsDir, LocalBuildWorker } from './build-worker.ts';
import { CacheImporter } from './build-cache-io.ts';
import type { LocalContainerService } from './containers.ts';
import type { LocalImageService } from './images.ts';
import type { BuilderService, BuildOptions, BuildOutput } from './types.ts';

export class LocalBuilderService implements BuilderService {
  private readonly store: ImageStore;
  private readonly containers: LocalContainerService;

  private readonly images: LocalImageService;

  constructor(store: ImageStore, containers: LocalContainerService, images: LocalImageService) {
    this.store = store;
    this.containers = containers;
    this.images = images;
  }

  async build(o: BuildOptions, stdout?: NodeJS.WritableStream): Promise<{ id: string }> {
    const result = await this.buildImage(o);
    for (const out of o.outputs ?? []) await this.export(result.id, out, stdout);
    return result;
  }

  /** `--output`: the image's files (flattened, as `export` gives a container's) or the image as an archive. */
  private async export(id: string, out: BuildOutput, stdout: NodeJS.WritableStream | undefined): Promise<void> {
    const sink = (): NodeJS.WritableStream => {
      if (out.dest !== '-') return createWriteStream(out.dest);
      if (!stdout) throw invalidArgument('an output to "-" needs a stream to write to');
      return stdout;
    };
    if (out.type === 'oci' || out.type === 'docker') {
      await pipeline(await this.images.save([id], { format: out.type === 'oci' ? 'oci-archive' : 'docker-archive' }), sink(), { end: out.dest !== '-' });
      return;
    }
    const { Id } = await this.containers.create({ image: id, entrypoint: '', cmd: ['/bin/sh'], ignoreImageVolumes: true, labels: { 'berth.build': 'export' } });
    try {
      await this.containers.withRootfs(Id, async (rootfs) => {
        if (out.type === 'tar') {
          await pipeline(tarDirectory(rootfs), sink(), { end: out.dest !== '-' });
          return;
        }
        await mkdir(out.dest, { recursive: true });
        await applyLayer(tarDirectory(rootfs), out.dest, { whiteouts: 'none', what: `the build's output to ${out.dest}` });
      });
    } finally {
      await this.containers.remove(Id, { force: true });
    }
  }

  private async buildImage(o: BuildOptions): Promise<{ id: string }> {
    if (o.contextTar) return this.buildFromTar(o, o.contextTar);
    return this.buildFromDir(o, await rememberedDigests(this.store.root));
  }

  /** The Docker API's build: the context arrives as a tar, unpacked (hardened, as `cp` unpacks) for the build's length. */
  private async buildFromTar(o: BuildOptions, tar: Readable): Promise<{ id: string }> {
    const name = posix.normalize(o.dockerfile || 'Dockerfile');
    if (posix.isAbsolute(name) || name === '..' || name.startsWith('../')) throw invalidArgument(`the Dockerfile (${o.dockerfile}) must be within the build context`);
    await mkdir(join(this.store.root, 'tmp'), { recursive: true });
    const dir = await mkdtemp(join(this.store.root, 'tmp', `build-context-${process.pid}-`));
    try {
      await applyLayer(tar, dir, { whiteouts: 'none', what: 'the build context', signal: o.signal });
      if (o.dockerfileText === undefined && !existsSync(join(dir, name))) throw invalidArgument(`Cannot locate specified Dockerfile: ${name}`);
      // A context sent to the daemon may hold symlinks: what the build reads must stay inside it.
      for (const f of [name, `${name}.dockerignore`, '.dockerignore']) {
        if (!existsSync(join(dir, f))) continue;
        if (!isWithin(realpathSync(dir), realpathSync(join(dir, f)))) throw invalidArgument(`${f} is a symlink that leads out of the build context`);
      }
      // A context that lives for one build: no file digests worth remembering.
      const digests = { get: (): undefined => undefined, set: (): void => undefined, save: async (): Promise<void> => undefined };
      return await this.buildFromDir({ ...o, contextDir: dir, dockerfile: join(dir, name), contextTar: undefined }, digests, name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** `shownName`: the Dockerfile's name in messages (the tar's name, not where it was unpacked). */
  private async buildFromDir(o: BuildOptions, digests: FileDigests & { save(contextDir: string): Promise<void> }, shownName = o.dockerfile ?? 'Dockerfile'): Promise<{ id: string }> {
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
    const context = BuildContext.open(contextDir, o.dockerfileText === undefined ? `${dockerfilePath}.dockerignore` : undefined, digests);
    const importer = o.cacheFrom && o.cacheFrom.length > 0 ? await CacheImporter.open(this.store, o.cacheFrom) : undefined;
    for (const w of importer?.warnings ?? []) o.onEvent?.({ type: 'warning', text: w });
    try {
      return await build(new LocalBuildWorker(this.store, this.containers, { from: importer, to: o.cacheTo, access: o.registry }), {
        dockerfileText: text,
        dockerfileName: o.dockerfileText === undefined ? shownName : 'Dockerfile',
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
        secrets: o.secrets ?? {},
      });
    } finally {
      await importer?.close();
      await digests.save(context.dir).catch(() => undefined); // only a speed-up: losing it costs a re-read
    }
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
    await rm(cacheMountsDir(this.store.root), { recursive: true, force: true });
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

interface DigestEntry {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  digest: string;
}

/** File digests from earlier builds (meta/build-file-digests.json), and the ones this build adds. */
async function rememberedDigests(root: string): Promise<FileDigests & { save(contextDir: string): Promise<void> }> {
  const doc = new JsonDocument<{ files: Record<string, DigestEntry> }>(root, 'build-file-digests', () => ({ files: {} }), (raw) => JSON.parse(raw.toString()) as { files: Record<string, DigestEntry> });
  const known = (await doc.read()).files;
  const seen: Record<string, DigestEntry> = {};
  let changed = false;
  return {
    get(path, st) {
      const e = known[path];
      if (!e || e.ino !== st.ino || e.size !== st.size || e.mtimeMs !== st.mtimeMs || e.ctimeMs !== st.ctimeMs) return undefined;
      seen[path] = e;
      return e.digest;
    },
    set(path, st, digest) {
      seen[path] = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, digest };
      changed = true;
    },
    async save(contextDir) {
      // Nothing new and nothing gone: no write (a no-change rebuild writes nothing at all).
      const gone = Object.keys(known).some((path) => path.startsWith(`${contextDir}/`) && !seen[path]);
      if (!changed && !gone) return;
      await doc.update((d) => {
        // This context's entries are the ones this build saw; other contexts' stay.
        for (const path of Object.keys(d.files)) if (path.startsWith(`${contextDir}/`) && !seen[path]) delete d.files[path];
        Object.assign(d.files, seen);
      });
    },
  };
}

function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
