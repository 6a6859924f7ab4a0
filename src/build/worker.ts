// What the builder asks of the engine below it: buildah's model of a build — a working container
// from an image (or from nothing), commands run in it, files put into it, its changes committed as
// a new image. The builder decides what to do and what to cache; the worker owns containers,
// layers and the store.
import type { Digest } from '../content/index.ts';
import type { ImageConfig } from '../image/index.ts';
import type { MountSpec as ContainerMount } from '../meta/index.ts';

/** A base image the build starts from. */
export interface BaseImage {
  id: Digest;
  config: ImageConfig;
  /** The full name it was found or pulled under. */
  name: string;
}

export interface RunStep {
  /** argv: the shell and the script, or the exec form. */
  args: string[];
  /** The whole environment, `KEY=value`, later entries win. */
  env: string[];
  user: string;
  workdir: string;
  /** 'none' (the default in a build) or 'host'. */
  network: 'none' | 'host';
  /** RUN --mount's mounts, host paths resolved. */
  mounts?: ContainerMount[];
}

export interface StepOutput {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

/** A container the build works in; removed by `remove()` whatever happened. */
export interface WorkingContainer {
  /** Runs the container's command (the RunStep it was made with) to its end; its exit code. */
  run(output: StepOutput, signal?: AbortSignal): Promise<number>;
  /** Calls `fn` with the host path of the container's root filesystem, mounted for the call. */
  withRootfs<T>(fn: (rootfs: string) => Promise<T>): Promise<T>;
  /** Stores the container's changes as a layer on top of its image and writes an image with `config` (whose rootfs and history the worker completes with the new layer). */
  commit(config: ImageConfig, history: { created_by: string; comment?: string }, o: { created: string; sourceDateEpoch: number }): Promise<Digest>;
  remove(): Promise<void>;
}

export interface BuildWorker {
  /** A base image by name: from the store, pulled when absent or when `pull` says so. */
  base(ref: string, o: { pull: boolean; platform?: string; onProgress?: (line: string) => void }): Promise<BaseImage>;
  /** An image of the store by ID, or undefined when it is gone (a cache entry that outlived its image). */
  image(id: Digest): Promise<{ id: Digest; config: ImageConfig } | undefined>;
  /** A working container over an image's layers (`undefined` for scratch), made to run `step` or only to take files. */
  container(image: Digest | undefined, step?: RunStep): Promise<WorkingContainer>;
  /** An image with `image`'s layers (none for scratch) and a new config: a step that changed only metadata. */
  withConfig(image: Digest | undefined, config: ImageConfig): Promise<Digest>;
  /** Names an image (replacing the names' previous holders). */
  tag(id: Digest, names: string[]): Promise<void>;
  /** The cache: the image a step with this key made before, or undefined. */
  cached(key: string): Promise<Digest | undefined>;
  remember(key: string, id: Digest): Promise<void>;
  /** Writes the steps of this build (cache key → step image) wherever `--cache-to` says; nothing without it. */
  exportCache(steps: { key: string; id: Digest }[]): Promise<void>;
  /** The host directory of a RUN --mount=type=cache (made on first use, kept until `builder prune`). */
  cacheMount(id: string, owner: { uid: number; gid: number; mode: number }): Promise<string>;
}
