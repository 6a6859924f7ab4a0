// The Engine interface (podman's ContainerEngine idea): one interface the CLI and the API server
// talk to; LocalEngine runs in-process, RemoteEngine (later) speaks the Docker Engine API. Values
// are shaped as the Docker Engine API shapes them, so the API server passes them through as they are.
import type { Readable } from 'node:stream';
import type { ArchiveInput } from '../transport/index.ts';
import type { Finding, StoreUsage } from '../store/index.ts';
import type { ContainerRecord, MountSpec } from '../meta/index.ts';
import type { TopResult } from './container-top.ts';
import type { ContainerStats } from './container-stats.ts';
import type { Change } from './container-changes.ts';
import type { CommitOptions } from './commit.ts';
import type { BuildEvent } from '../build/index.ts';
import type { EventService } from './events.ts';
import type { DiskUsage, DiskUsageType } from './disk-usage.ts';

export type { EngineEvent, EventQuery, EventService, EventType } from './events.ts';
export type { DiskUsage, DiskUsageType } from './disk-usage.ts';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
  Descriptor?: { mediaType: string; digest: string; size: number };
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export type RemoveReport = { Untagged: string } | { Deleted: string };

export interface ListImagesOptions {
  all?: boolean;
  filters?: Record<string, string[]>;
}

export interface ImportOptions {
  /** REPOSITORY[:TAG] to name the image. */
  reference?: string;
  changes?: string[];
  message?: string;
  platform?: string;
  /** What the source was, for the history comment ("-", a file name). */
  sourceName?: string;
}

/** How to reach a registry: TLS, certificates and credentials (Docker's flags and podman's). */
export interface RegistryAccess {
  tlsVerify?: boolean;
  certDir?: string;
  /** `user:password` or `user` (then the password is asked for by the CLI). */
  creds?: { username: string; password: string };
  /** The credentials file (default: Docker's config.json). */
  authFile?: string;
  /** false: only `creds` (the daemon's case: a client sends its own); nothing is read or stored in a credentials file. */
  credentialStore?: boolean;
  /** Registries reached without TLS verification (daemon.json's insecure-registries); default: berth's config file. */
  insecureRegistries?: string[];
  /** Docker Hub mirrors a pull tries first, in order (daemon.json's registry-mirrors); default: berth's config file. */
  registryMirrors?: string[];
}

/** A step of a pull or push, as Docker's JSON progress stream has it. */
export interface ProgressMessage {
  id?: string;
  status: string;
  progressDetail?: { current?: number; total?: number };
}

export interface PullOptions extends RegistryAccess {
  platform?: string;
  /** Every tag of the repository. */
  allTags?: boolean;
  onProgress?: (m: ProgressMessage) => void;
}

export interface PullReport {
  /** The full name pulled: docker.io/library/busybox:latest, or …@sha256:… */
  name: string;
  id: string;
  digest: string;
  upToDate: boolean;
}

export interface PushOptions extends RegistryAccess {
  allTags?: boolean;
  /** How layers stored uncompressed are compressed: gzip (default) or zstd. */
  compressionFormat?: 'gzip' | 'zstd';
  onProgress?: (m: ProgressMessage) => void;
}

export interface PushReport {
  /** The tag pushed (or the digest, for a push by digest). */
  tag: string;
  digest: string;
  size: number;
}

export interface ImageService {
  list(opts?: ListImagesOptions): Promise<ImageSummary[]>;
  inspect(ref: string): Promise<ImageInspect>;
  history(ref: string): Promise<HistoryItem[]>;
  tag(source: string, target: string): Promise<void>;
  remove(ref: string, opts?: { force?: boolean }): Promise<RemoveReport[]>;
  prune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ ImagesDeleted: RemoveReport[]; SpaceReclaimed: number }>;
  import(source: Readable | { directory: string }, opts?: ImportOptions): Promise<string>;
  load(input: ArchiveInput): Promise<{ id: string; names: string[] }[]>;
  save(refs: string[], opts?: { format?: 'docker-archive' | 'oci-archive' }): Promise<Readable>;
  /** save into a file (written beside it and renamed into place). */
  saveToFile(refs: string[], path: string, opts?: { format?: 'docker-archive' | 'oci-archive' }): Promise<void>;
  pull(ref: string, opts?: PullOptions): Promise<PullReport[]>;
  push(ref: string, opts?: PushOptions): Promise<PushReport[]>;
  /** Copies an image between two locations (docker://, oci:, oci-archive:, docker-archive:, the store). */
  copy(src: string, dst: string, opts?: CopyImageOptions): Promise<CopyReport>;
  /** A registry repository's tags, without pulling. */
  remoteTags(ref: string, opts?: RegistryAccess): Promise<RemoteTags>;
  /** A registry image's manifest, platforms, config and tags, without pulling. */
  inspectRemote(ref: string, opts?: RegistryAccess): Promise<RemoteInspect>;
}

export interface RemoteTags {
  Repository: string;
  Tags: string[];
}

export interface RemoteInspect {
  Name: string;
  Digest: string;
  MediaType: string;
  /** The size in bytes of the manifest or index as the registry sent it. */
  Size: number;
  /** The manifest or index as the registry sent it. */
  Manifest: unknown;
  /** For an index: the platforms it has. */
  Platforms?: string[];
  /** The image config (of the host's platform, for an index). */
  Config?: unknown;
  Tags: string[];
}

export interface CopyImageOptions {
  /** Access to a registry source / destination. */
  src?: RegistryAccess;
  dest?: RegistryAccess;
  /** Copy a whole index (every platform). */
  all?: boolean;
  platform?: string;
  onProgress?: (m: ProgressMessage) => void;
}

export interface CopyReport {
  /** The digest of what the source name pointed at. */
  digest: string;
}

export interface ManifestAnnotateOptions {
  os?: string;
  arch?: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
  annotations?: Record<string, string>;
}

/** Manifest lists kept locally until pushed (`docker manifest`, `podman manifest`). */
export interface ManifestService {
  /** A new list of images (store names, or docker://REF for registry manifests); its full name. */
  create(list: string, refs: string[], opts?: RegistryAccess & { amend?: boolean }): Promise<string>;
  add(list: string, ref: string, access?: RegistryAccess): Promise<string>;
  /** Sets an entry's platform fields and annotations; the entry by digest or image name. */
  annotate(list: string, entry: string, opts: ManifestAnnotateOptions): Promise<void>;
  /** A local list's index, or a registry's manifest when there is no such list. */
  inspect(list: string, access?: RegistryAccess): Promise<unknown>;
  remove(list: string): Promise<void>;
  /** Pushes every entry and the index (to `destination`, or the list's own name); the index digest. */
  push(list: string, destination?: string, access?: RegistryAccess): Promise<string>;
}

export interface AuthService {
  /** Checks the credentials with the registry and stores them; the message Docker prints. */
  login(server: string, creds: { username: string; password: string }, opts?: RegistryAccess): Promise<string>;
  /** Removes stored credentials: the key they had (as Docker shows it), and whether there were any. */
  logout(server: string, opts?: { authFile?: string }): Promise<{ key: string; removed: boolean }>;
}

export interface SystemService {
  df(): Promise<StoreUsage>;
  /** Disk usage as the Docker API's /system/df has it (only the types asked for; the others null). */
  diskUsage(types?: DiskUsageType[]): Promise<DiskUsage>;
  check(opts: { repair: boolean }): Promise<Finding[]>;
  /** Removes every container, volume, network (and what it keeps on the host), image and cache, and the root. */
  reset(): Promise<void>;
}

export interface CreateOptions {
  image: string;
  name?: string;
  /** Arguments after the image (replace CMD). */
  cmd?: string[];
  /** `--entrypoint`: '' resets the image's; the API gives a list (`[]` or `[""]` resets it). */
  entrypoint?: string | string[];
  env?: string[];
  workdir?: string;
  user?: string;
  groupAdd?: string[];
  labels?: Record<string, string>;
  hostname?: string;
  tty?: boolean;
  openStdin?: boolean;
  attach?: { stdin: boolean; stdout: boolean; stderr: boolean };
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  autoRemove?: boolean;
  restart?: string;
  privileged?: boolean;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  ulimits?: string[];
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  cpuShares?: number;
  pidsLimit?: number;
  network?: string;
  runtime?: string;
  /** `--mount` (Docker's HostConfig.Mounts). */
  mounts?: MountSpec[];
  /** `-v SRC:DST[:OPTS]` / `-v DST`. */
  binds?: string[];
  /** `--tmpfs DST[:OPTS]`. */
  tmpfs?: string[];
  /** `--volumes-from CONTAINER[:ro|rw]`. */
  volumesFrom?: string[];
  /** `--add-host NAME:IP`. */
  addHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** `--network-alias`: more names on a user-defined network. */
  networkAliases?: string[];
  /** `--ip`: the address on the container's network. */
  ip?: string;
  /** `-p [IP:][HOSTPORT:]PORT[/PROTO]`. */
  publish?: string[];
  /** `-P`: every exposed port to a free host port. */
  publishAll?: boolean;
  /** `--expose PORT[/PROTO]`. */
  expose?: string[];
  /** No anonymous volumes for the image's VOLUMEs (a build's working containers: BuildKit keeps what a RUN writes there). */
  ignoreImageVolumes?: boolean;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: { IP: string; PrivatePort: number; PublicPort: number; Type: string }[];
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string };
  Mounts: unknown[];
  /** With `size`: bytes the container wrote, and those plus its image's. */
  SizeRw?: number;
  SizeRootFs?: number;
}

export interface ListContainersOptions {
  all?: boolean;
  limit?: number;
  latest?: boolean;
  filters?: Record<string, string[]>;
  /** SizeRw and SizeRootFs too (`docker ps -s`): each container's changes are measured. */
  size?: boolean;
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, as conmon wrote it. */
  time: string;
  data: Buffer;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  since?: number;
  until?: number;
  /** Ends a follow (the API's client went away). */
  signal?: AbortSignal;
}

/** What the caller gets when it attaches to a starting container. */
export interface AttachStreams {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Set when the container's stdin should be fed: the caller writes, then ends. */
  stdin?: boolean;
  /** The caller's terminal size, given to a container with a terminal before it starts. */
  size?: TerminalSize;
}

export interface TerminalSize {
  height: number;
  width: number;
}

export interface Attached {
  writeStdin(data: Buffer): Promise<void>;
  endStdin(): Promise<void>;
  /** Resolves when the container's output ended. */
  finished: Promise<void>;
  close(): Promise<void>;
  /** Lets the container's cleanup remove an --rm container again (call after reading its exit code). */
  release(): Promise<void>;
}

/** What `update` may change (unset fields stay). */
export interface UpdateOptions {
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  cpuShares?: number;
  pidsLimit?: number;
  restart?: string;
}

export interface ExecOptions {
  cmd: string[];
  env?: string[];
  user?: string;
  workdir?: string;
  tty?: boolean;
  /** The terminal's size when the process starts. */
  size?: TerminalSize;
  /** Keep stdin open (without it the process gets /dev/null). */
  interactive?: boolean;
  privileged?: boolean;
  /** The caller does not wait for the process: its end keeps nobody's event loop alive. */
  detach?: boolean;
}

/** Where an exec'd process's output goes (what has no callback is dropped). */
export interface ExecStreams {
  stdout?(data: Buffer): void;
  stderr?(data: Buffer): void;
}

/** A process exec'd into a container, as its caller follows it. */
export interface ExecSession {
  /** Its pid, as the host sees it. */
  readonly pid: number;
  /** Feeds its stdin (with `interactive`). */
  writeStdin(data: Buffer): Promise<void>;
  endStdin(): Promise<void>;
  /** Sets its terminal's size (nothing when it has none). */
  resize(size: TerminalSize): Promise<void>;
  /** Resolves when its output ended, or the session was closed. */
  readonly finished: Promise<void>;
  /** Its exit code (128 + n for signal n; -1 when unknown), once it ended and its output was delivered. */
  readonly exitCode: Promise<number>;
  /** Stops following it; it runs on (a detach, a client gone). */
  close(): Promise<void>;
}

export interface ContainerService {
  create(opts: CreateOptions): Promise<{ Id: string; Warnings: string[] }>;
  /** Starts the container; with `attach`, its streams are connected before it runs, so no output is lost. */
  start(ref: string, opts?: { attach?: AttachStreams }): Promise<Attached | undefined>;
  /** Waits for the container's exit; `signal` gives up (the API's client went away) with an abort error. */
  wait(ref: string, opts?: { signal?: AbortSignal }): Promise<{ StatusCode: number }>;
  list(opts?: ListContainersOptions): Promise<ContainerSummary[]>;
  /** `size`: SizeRw and SizeRootFs too (`docker inspect -s`). */
  inspect(ref: string, opts?: { size?: boolean }): Promise<Record<string, unknown>>;
  logs(ref: string, opts?: LogOptions): AsyncIterable<LogEntry>;
  stop(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  /** `volumes`: its anonymous volumes too (`rm -v`). */
  remove(ref: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /** After the container's process exited: record the exit, release the root filesystem, apply --rm and --restart. */
  cleanup(ref: string): Promise<void>;
  /** The record's ID for a name, ID or unique ID prefix. */
  resolve(ref: string): Promise<string>;
  /** The container's record, up to date. */
  get(ref: string): Promise<ContainerRecord>;
  /** Runs `fn` on the container's root filesystem (mounted for the call when the container is not running). */
  withRootfs<T>(ref: string, fn: (rootfs: string, rec: ContainerRecord) => Promise<T>): Promise<T>;
  top(ref: string, psArgs?: string): Promise<TopResult>;
  stats(ref: string): Promise<ContainerStats>;
  changes(ref: string): Promise<Change[]>;
  /** Connects to a running container's streams (as `docker attach`). */
  attach(ref: string, streams: AttachStreams): Promise<Attached>;
  /** Sets the size of the container's terminal. */
  resize(ref: string, size: TerminalSize): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  rename(ref: string, name: string): Promise<void>;
  restart(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  update(ref: string, opts: UpdateOptions): Promise<{ Warnings: string[] }>;
  prune(filters?: Record<string, string[]>): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }>;
  /** A new image from the container's filesystem changes and configuration; returns its ID. */
  commit(ref: string, opts: CommitOptions & { pause?: boolean }): Promise<string>;
  /**
   * Runs a process in the running container; resolves once it runs. With `streams`, its output is
   * connected before it starts; without, nobody reads it. Throws with `exitStatus` 126/127 when the
   * runtime cannot start it.
   */
  exec(ref: string, opts: ExecOptions, streams?: ExecStreams): Promise<ExecSession>;
  /** What `exec` checks before it starts anything (Docker's exec create); resolves to the container's ID. */
  checkExec(ref: string, opts: ExecOptions): Promise<string>;
}

export interface BuildOptions {
  /** The context directory. */
  contextDir: string;
  /**
   * The context as a tar (maybe compressed), as the Docker API sends it: unpacked into a temporary
   * directory that replaces `contextDir`; `dockerfile` is then relative to the context.
   */
  contextTar?: Readable;
  /** The Dockerfile's path (default CONTEXT/Dockerfile); ignored when `dockerfileText` is given. */
  dockerfile?: string;
  /** The Dockerfile itself (`-f -`). */
  dockerfileText?: string;
  tags?: string[];
  target?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  /** RUN's network: 'none' (default) or 'host'. */
  network?: string;
  platform?: string;
  onEvent?: (e: BuildEvent) => void;
  signal?: AbortSignal;
  /** `--secret`: id → the host file RUN --mount=type=secret shows. */
  secrets?: Record<string, string>;
  /** `--output`: where the result goes besides the store. */
  outputs?: BuildOutput[];
  /** How base images are pulled (the daemon's builds: no credentials file, daemon.json's insecure registries). */
  registry?: RegistryAccess;
  /** `--cache-from` / `--cache-to`: a shared build cache in an OCI layout or a registry. */
  cacheFrom?: CacheLocation[];
  cacheTo?: CacheLocation[];
}

/** `type=local,src|dest=DIR` or `type=registry,ref=REF`. */
export type CacheLocation = { type: 'local'; dir: string } | { type: 'registry'; ref: string };

/** BuildKit's exporters: the image's files in a directory or a tar, or the image as an archive. */
export interface BuildOutput {
  type: 'local' | 'tar' | 'oci' | 'docker';
  /** A directory (local) or a file; '-' for stdout (the caller's stream). */
  dest: string;
}

export interface BuilderService {
  /** Builds; the image ID. An output to '-' goes to `stdout`. */
  build(opts: BuildOptions, stdout?: NodeJS.WritableStream): Promise<{ id: string }>;
  /** Forgets the build cache; `all` also removes the intermediate images only the cache kept. */
  prune(opts?: { all?: boolean }): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}

/** A volume as the Docker API shows it. */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: string;
}

export interface VolumeService {
  create(o?: { name?: string; labels?: Record<string, string>; driver?: string; options?: Record<string, string> }): Promise<Volume>;
  list(filters?: Record<string, string[]>): Promise<Volume[]>;
  inspect(name: string): Promise<Volume>;
  /** Refuses a volume a container uses (`force` does not override that, as in Docker). */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /** Unused anonymous volumes (and named ones with `all`). */
  prune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
}

/** A network as the Docker API shows it. */
export type Network = Record<string, unknown> & { Name: string; Id: string; Driver: string; Scope: string };

export interface NetworkCreateOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

export interface NetworkService {
  create(o: NetworkCreateOptions): Promise<{ Id: string }>;
  list(filters?: Record<string, string[]>): Promise<Network[]>;
  inspect(ref: string): Promise<Network>;
  remove(ref: string): Promise<void>;
  /** Networks no container uses; filters: label, label!, until. */
  prune(filters?: Record<string, string[]>): Promise<{ NetworksDeleted: string[] }>;
  connect(network: string, container: string, o?: { aliases?: string[]; ip?: string }): Promise<void>;
  disconnect(network: string, container: string): Promise<void>;
}

export interface Engine {
  images: ImageService;
  volumes: VolumeService;
  networks: NetworkService;
  builder: BuilderService;
  containers: ContainerService;
  system: SystemService;
  auth: AuthService;
  manifests: ManifestService;
  events: EventService;
  close(): Promise<void>;
}
export type { MountSpec } from '../meta/index.ts';
export type { TopResult } from './container-top.ts';
export type { ContainerStats } from './container-stats.ts';
export type { Change } from './container-changes.ts';
export type { CommitOptions } from './commit.ts';
export type { BuildEvent, RunFailure } from '../build/index.ts';
