// The builder's worker over the local engine: working containers are ordinary berth containers
// (the same runtime, conmon, overlay and security profile as `run`), committed with the config the
// builder gives; scratch is a plain directory until its first layer is committed.
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseImage, BuildWorker, RunStep, StepOutput, WorkingContainer } from '../build/index.ts';
import { digestOf, type Digest } from '../content/index.ts';
import { errnoCode, failedPrecondition, isKind } from '../errdefs/index.ts';
import { MediaType, parseConfig, parseTaggedName, type Descriptor, type ImageConfig } from '../image/index.ts';
import { tarDirectory } from '../layer/index.ts';
import { JsonDocument, type LayerRecord } from '../meta/index.ts';
import { storeBlob, type ImageStore } from '../store/index.ts';
import type { LocalContainerService } from './containers.ts';
import { imageLayers } from './commit.ts';
import { exportCache, type CacheImporter } from './build-cache-io.ts';
import type { CacheLocation, RegistryAccess } from './types.ts';
import { pull } from './registry.ts';
import { resolveImage } from './resolve.ts';
import { writeImage } from './write-image.ts';

interface CacheDocument {
  /** Step key → the image that step made. */
  steps: Record<string, { id: Digest; used: string }>;
}

/** Where RUN --mount=type=cache directories live. */
export function cacheMountsDir(root: string): string {
  return join(root, 'build-cache-mounts');
}

export function buildCache(root: string): JsonDocument<CacheDocument> {
  return new JsonDocument<CacheDocument>(root, 'build-cache', () => ({ steps: {} }), (raw) => JSON.parse(raw.toString()) as CacheDocument);
}

type Layer = { layer: LayerRecord; descriptor: Descriptor };

export class LocalBuildWorker implements BuildWorker {
  private readonly store: ImageStore;
  private readonly containers: LocalContainerService;
  private readonly cache: JsonDocument<CacheDocument>;

  private readonly importer: CacheImporter | undefined;
  private readonly cacheTo: CacheLocation[];
  private readonly access: RegistryAccess;

  constructor(store: ImageStore, containers: LocalContainerService, shared: { from?: CacheImporter; to?: CacheLocation[]; access?: RegistryAccess } = {}) {
    this.store = store;
    this.containers = containers;
    this.cache = buildCache(store.root);
    this.importer = shared.from;
    this.cacheTo = shared.to ?? [];
    this.access = shared.access ?? {};
  }

  async base(ref: string, o: { pull: boolean; platform?: string; onProgress?: (line: string) => void }): Promise<BaseImage> {
    if (!o.pull) {
      try {
        return await this.found(ref);
      } catch (err) {
        if (!isKind(err, 'NotFound')) throw err;
      }
    }
    await pull(this.store, ref, { ...this.access, platform: o.platform, onProgress: (m) => o.onProgress?.(`${m.id ? `${m.id}: ` : ''}${m.status}`) });
    return this.found(ref);
  }

  private async found(ref: string): Promise<BaseImage> {
    const { image } = resolveImage(await this.store.document(), ref);
    const config = parseConfig(await this.store.content.readBytes(image.id), `config of image ${image.id}`);
    return { id: image.id, config, name: image.names[0] ?? ref };
  }

  async image(id: Digest): Promise<{ id: Digest; config: ImageConfig } | undefined> {
    if (!(await this.store.document()).images[id]) return undefined;
    return { id, config: parseConfig(await this.store.content.readBytes(id), `config of image ${id}`) };
  }

  async container(image: Digest | undefined, step?: RunStep): Promise<WorkingContainer> {
    if (image === undefined) return this.scratch();
    const doc = await this.store.document();
    const docker = doc.images[image]?.manifestMediaType === MediaType.DockerManifest;
    const { Id } = await this.containers.create({
      image,
      entrypoint: '',
      cmd: step?.args ?? ['/bin/sh'],
      env: step?.env ?? [],
      user: step?.user,
      workdir: step?.workdir,
      network: step?.network ?? 'none',
      mounts: step?.mounts,
      ignoreImageVolumes: true,
      labels: { 'berth.build': 'step' },
    });
    return new ImageContainer(this, this.containers, Id, image, docker, step !== undefined);
  }

  private async scratch(): Promise<WorkingContainer> {
    await mkdir(join(this.store.root, 'tmp'), { recursive: true });
    const dir = await mkdtemp(join(this.store.root, 'tmp', 'build-scratch-'));
    return {
      run: () => Promise.reject(failedPrecondition('a RUN on scratch has nothing to run: the stage has no files yet')),
      withRootfs: (fn) => fn(dir),
      commit: (config, history, o) =>
        this.store.writing(async () => {
          const top = await this.storeLayer(tarDirectory(dir, o.sourceDateEpoch), true, 'a scratch stage');
          return this.writeWith([], top, config, history, o.created, true);
        }),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  }

  private async storeLayer(tar: AsyncIterable<Buffer>, docker: boolean, what: string): Promise<Layer> {
    const blob = await storeBlob(this.store, tar, { layer: () => true, what });
    if (!blob.layer) throw new Error(`no layer came out of ${what}`);
    return { layer: await blob.layer, descriptor: { mediaType: docker ? MediaType.DockerLayer : MediaType.OciLayer, digest: blob.digest, size: blob.size } };
  }

  /** Writes an image: `below` and `top` as its layers, the config completed with the top layer's diff ID and history. */
  async writeWith(below: Layer[], top: Layer, config: ImageConfig, history: { created_by: string; comment?: string }, created: string, docker: boolean): Promise<Digest> {
    const full: ImageConfig = {
      ...config,
      created,
      rootfs: { type: 'layers', diff_ids: [...below.map((l) => l.layer.diffId), top.layer.diffId] },
      history: [...(config.history ?? []), { created, ...history }],
    };
    return writeImage(this.store, { config: full, manifestMediaType: docker ? MediaType.DockerManifest : MediaType.OciManifest, layers: [...below, top], names: [], intermediate: true });
  }

  async commitContainer(id: string, image: Digest, docker: boolean, config: ImageConfig, history: { created_by: string; comment?: string }, o: { created: string; sourceDateEpoch: number }): Promise<Digest> {
    return this.store.writing(async () => {
      const below = await imageLayers(this.store, image);
      const top = await this.containers.storeChanges(id, { docker, sourceDateEpoch: o.sourceDateEpoch });
      return this.writeWith(below, top, config, history, o.created, docker);
    });
  }

  async withConfig(image: Digest | undefined, config: ImageConfig): Promise<Digest> {
    const doc = await this.store.document();
    const layers = image === undefined ? [] : await imageLayers(this.store, image);
    const full: ImageConfig = { ...config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.layer.diffId) } };
    // The same config is the same image: a rebuild that changed nothing writes nothing.
    const existing = doc.images[digestOf(Buffer.from(JSON.stringify(full)))];
    if (existing && !existing.intermediate) return existing.id;
    const docker = image === undefined || doc.images[image]?.manifestMediaType === MediaType.DockerManifest;
    return this.store.writing(() => writeImage(this.store, { config: full, manifestMediaType: docker ? MediaType.DockerManifest : MediaType.OciManifest, layers, names: [] }));
  }

  async tag(id: Digest, names: string[]): Promise<void> {
    const has = (await this.store.document()).images[id]?.names ?? [];
    for (const n of names.map((x) => parseTaggedName(x))) if (!has.includes(n)) await this.store.tag(id, n);
  }

  async cached(key: string): Promise<Digest | undefined> {
    const local = (await this.cache.read()).steps[key]?.id;
    if (local && (await this.store.document()).images[local]) return local;
    // Not here: a cache given with --cache-from may have it.
    const imported = await this.importer?.fetch(key);
    if (imported) await this.remember(key, imported);
    return imported ?? local;
  }

  async exportCache(steps: { key: string; id: Digest }[]): Promise<void> {
    for (const to of this.cacheTo) await exportCache(this.store, steps, to);
  }

  async cacheMount(id: string, owner: { uid: number; gid: number; mode: number }): Promise<string> {
    const dir = join(cacheMountsDir(this.store.root), createHash('sha256').update(id).digest('hex'));
    try {
      await mkdir(dir, { recursive: false, mode: owner.mode });
      await chown(dir, owner.uid, owner.gid);
      await chmod(dir, owner.mode);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') {
        if (errnoCode(err) !== 'ENOENT') throw err;
        await mkdir(cacheMountsDir(this.store.root), { recursive: true, mode: 0o700 });
        return this.cacheMount(id, owner);
      }
    }
    return dir;
  }

  async remember(key: string, id: Digest): Promise<void> {
    await this.cache.update((doc) => {
      doc.steps[key] = { id, used: new Date().toISOString() };
    });
  }
}

/** A berth container over an image; it runs at most once, the command it was made with. */
class ImageContainer implements WorkingContainer {
  private readonly worker: LocalBuildWorker;
  private readonly containers: LocalContainerService;
  private readonly id: string;
  private readonly image: Digest;
  private readonly docker: boolean;
  private runnable: boolean;

  constructor(worker: LocalBuildWorker, containers: LocalContainerService, id: string, image: Digest, docker: boolean, runnable: boolean) {
    this.worker = worker;
    this.containers = containers;
    this.id = id;
    this.image = image;
    this.docker = docker;
    this.runnable = runnable;
  }

  async run(output: StepOutput, signal?: AbortSignal): Promise<number> {
    if (!this.runnable) throw new Error('this working container was made without a command, or has run it');
    this.runnable = false;
    signal?.throwIfAborted();
    const id = this.id;
    const attached = await this.containers.start(id, { attach: { stdout: (d) => output.stdout(d), stderr: (d) => output.stderr(d) } });
    const stop = (): void => void this.containers.kill(id, 'KILL').catch(() => undefined);
    signal?.addEventListener('abort', stop, { once: true });
    // Aborted while the container started: the listener came too late to hear it.
    if (signal?.aborted) stop();
    try {
      await attached?.finished;
      const { StatusCode } = await this.containers.wait(id);
      return StatusCode;
    } finally {
      signal?.removeEventListener('abort', stop);
      await attached?.close();
      await attached?.release();
    }
  }

  async withRootfs<T>(fn: (rootfs: string) => Promise<T>): Promise<T> {
    return this.containers.withRootfs(this.id, (rootfs) => fn(rootfs));
  }

  async commit(config: ImageConfig, history: { created_by: string; comment?: string }, o: { created: string; sourceDateEpoch: number }): Promise<Digest> {
    return this.worker.commitContainer(this.id, this.image, this.docker, config, history, o);
  }

  async remove(): Promise<void> {
    await this.containers.remove(this.id, { force: true }).catch((err: unknown) => {
      if (errnoCode(err) !== 'ENOENT' && !isKind(err, 'NotFound')) throw err;
    });
  }
}
