// Container records: one JSON document, meta/containers.json. Names are unique; the record keeps
// what `docker inspect` shows (Config, HostConfig, State) in Docker's own field names.
import type { Digest } from '../content/index.ts';
import { BerthError } from '../errdefs/index.ts';
import { JsonDocument } from './document.ts';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ConmonPid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
}

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Image: string;
  WorkingDir: string;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** The image's VOLUMEs and `-v /path` anonymous volumes, as Docker lists them. */
  Volumes?: Record<string, object> | null;
  /** The image's EXPOSEd ports and `--expose`. */
  ExposedPorts?: Record<string, object> | null;
}

export interface HostConfig {
  AutoRemove: boolean;
  Privileged: boolean;
  ReadonlyRootfs: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  SecurityOpt: string[] | null;
  Init: boolean | null;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  NetworkMode: string;
  Runtime: string;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuShares: number;
  PidsLimit: number | null;
  Ulimits: { Name: string; Soft: number; Hard: number }[] | null;
  GroupAdd: string[] | null;
  /** Every mount, in the Docker API's shape: `-v`, `--mount`, `--tmpfs`, `--volumes-from`, the image's VOLUMEs, a build's RUN --mount. */
  Mounts?: MountSpec[];
  /** `-v` as given (Docker keeps them for inspect). */
  Binds?: string[] | null;
  VolumesFrom?: string[] | null;
  /** `--tmpfs DST[:OPTS]`, as Docker keeps them (not in Mounts). */
  Tmpfs?: Record<string, string> | null;
  /** `-p`: "80/tcp" → the host addresses and ports asked for ("" = any / a free one). */
  PortBindings?: Record<string, PortBinding[]> | null;
  PublishAllPorts?: boolean;
  /** `--add-host NAME:IP`, as "NAME:IP". */
  ExtraHosts?: string[] | null;
  /** `--dns`, `--dns-search`, `--dns-option`. */
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  /** berth's: `--network-alias` and `--ip` for the container's network. */
  NetworkAliases?: string[];
  IPv4Address?: string;
  /** berth's: networks connected besides the first (`network connect`), joined at every start. */
  ExtraNetworks?: { name: string; aliases: string[]; ip?: string }[];
  /** berth's: disconnected from the network NetworkMode names; starts leave it out until connected again. */
  LeftFirstNetwork?: boolean;
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** One of HostConfig.Mounts, as the Docker API has it. */
export interface MountSpec {
  Type: 'bind' | 'tmpfs' | 'volume';
  /** Host path (bind) or volume name (volume). */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: { NoCopy?: boolean };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
  /** berth's: a volume made for this container (an image VOLUME, `-v /path`), removed with it by `rm -v` and `--rm`. */
  Anonymous?: boolean;
  /** berth's: the Mode inspect shows (Docker's: the `-v` options as given, "z" for a named volume, "" otherwise). */
  Mode?: string;
}

export interface ContainerRecord {
  Id: string;
  Name: string;
  Created: string;
  /** Image ID (config digest). */
  Image: Digest;
  /** Diff IDs of the image's layers, bottom first: the container's lower directories. */
  Layers: Digest[];
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  HostConfig: HostConfig;
  State: ContainerState;
  RestartCount: number;
  /** The runtime's executable, as chosen when the container was created. */
  RuntimePath: string;
  /** The snapshotter of its root filesystem (Docker's Driver); absent in records older than the choice: overlay2. */
  Driver?: 'overlay2' | 'vfs';
  /** Set by `stop` (and cleared by the next start): a restart policy does not bring it back. */
  StoppedByUser?: boolean;
  /** While it runs on a network: its namespace and addresses (Docker's NetworkSettings). */
  NetworkSettings?: NetworkSettings;
}

export interface NetworkAttachment {
  NetworkID: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Aliases: string[];
  /** berth's: the interface in the container (eth0 for the first network). */
  Interface?: string;
}

export interface NetworkSettings {
  /** The network namespace (/run/netns/NAME). */
  SandboxKey: string;
  Networks: Record<string, NetworkAttachment>;
  /** The ports published while it runs, host ports chosen: "80/tcp" → bindings. */
  Ports?: Record<string, PortBinding[]>;
}

export interface ContainersDocument {
  version: 1;
  containers: Record<string, ContainerRecord>;
}

function parseDocument(raw: Buffer, path: string): ContainersDocument {
  let doc: Partial<ContainersDocument>;
  try {
    doc = JSON.parse(raw.toString('utf8')) as Partial<ContainersDocument>;
  } catch (err) {
    throw new BerthError('Internal', `container metadata ${path} is not valid JSON: ${(err as Error).message}; run 'berth system check'`);
  }
  if (doc.version !== 1 || typeof doc.containers !== 'object' || doc.containers === null) {
    throw new BerthError('Internal', `container metadata ${path} is invalid`);
  }
  return doc as ContainersDocument;
}

export class ContainerMeta extends JsonDocument<ContainersDocument> {
  constructor(root: string) {
    super(root, 'containers', () => ({ version: 1, containers: {} }), parseDocument);
  }
}
