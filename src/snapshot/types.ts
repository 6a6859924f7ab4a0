// What the engine asks of a snapshotter: a root filesystem per container over an image's layers.

export interface RootfsPaths {
  /** Where the root filesystem is (mounted, for overlay). */
  merged: string;
  /** The container's own changes, when the snapshotter keeps them apart (overlay). */
  upper?: string;
  work?: string;
}

/** One layer of the image: its unpacked directory (unpacked on first use) and its tar (for snapshotters that copy). */
export interface LayerSource {
  dir(): Promise<string>;
  tar(): Promise<AsyncIterable<Buffer>>;
}

export interface Snapshotter {
  /** As `docker inspect` shows it in Driver and GraphDriver.Name. */
  readonly name: 'overlay2' | 'vfs';
  paths(dir: string): RootfsPaths;
  /** Makes the container's directories (and, when copying, its files); idempotent. */
  prepare(dir: string, layers: LayerSource[]): Promise<void>;
  /** Makes the root filesystem ready to use and returns its path. */
  mount(dir: string, layers: LayerSource[]): Promise<string>;
  /** Undoes mount; fine when not mounted. */
  unmount(dir: string): void;
  /** Unmounts and deletes the container's files. */
  remove(dir: string): Promise<void>;
  /** Bytes the container wrote (Docker's SizeRw), or its whole root filesystem when changes are not kept apart. */
  changedSize(dir: string): Promise<number>;
}
