// The Engine interface (podman's ContainerEngine idea): one interface the CLI and the API server
// talk to; LocalEngine runs in-process, RemoteEngine (later) speaks the Docker Engine API. Values
// are shaped as the Docker Engine API shapes them, so the API server passes them through as they are.
import type { Readable } from 'node:stream';
import type { Finding, StoreUsage } from '../store/index.ts';

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

export interface ImageService {
  list(opts?: ListImagesOptions): Promise<ImageSummary[]>;
  inspect(ref: string): Promise<ImageInspect>;
  history(ref: string): Promise<HistoryItem[]>;
  tag(source: string, target: string): Promise<void>;
  remove(ref: string, opts?: { force?: boolean }): Promise<RemoveReport[]>;
  prune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ ImagesDeleted: RemoveReport[]; SpaceReclaimed: number }>;
  import(source: Readable | { directory: string }, opts?: ImportOptions): Promise<string>;
  load(input: Readable): Promise<{ id: string; names: string[] }[]>;
  save(refs: string[], opts?: { format?: 'docker-archive' | 'oci-archive' }): Promise<Readable>;
}

export interface SystemService {
  df(): Promise<StoreUsage>;
  check(opts: { repair: boolean }): Promise<Finding[]>;
}

export interface Engine {
  images: ImageService;
  system: SystemService;
  close(): Promise<void>;
}
