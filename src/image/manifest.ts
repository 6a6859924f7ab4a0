// Manifests, indexes and image configs (OCI and Docker schema2): types, and validating parsers
// that take raw bytes once, at the edge, and name the field and document in every error.
import { parseDigest, type Digest } from '../content/index.ts';
import { invalidArgument } from '../errdefs/index.ts';
import { isIndexType, MediaType } from './mediatypes.ts';
import type { Platform } from './platform.ts';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  artifactType?: string;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The config's `config` section (what a container runs): fields checked at parse, others kept. */
export interface RunConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  [key: string]: unknown;
}

/** The image config: known fields typed, unknown ones kept (a rewrite must not lose them). */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  created?: string;
  author?: string;
  config?: RunConfig;
  rootfs: { type: string; diff_ids: Digest[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

type Where = string;

function json(bytes: Buffer, where: Where): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid ${where}: not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(`invalid ${where}: not a JSON object`);
  return v as Record<string, unknown>;
}

function descriptor(v: unknown, where: Where, field: string): Descriptor {
  const bad = (why: string): Error => invalidArgument(`invalid ${where}: ${field}: ${why}`);
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const d = v as Record<string, unknown>;
  if (typeof d.mediaType !== 'string') throw bad('mediaType is missing');
  if (typeof d.digest !== 'string') throw bad('digest is missing');
  let digest: Digest;
  try {
    digest = parseDigest(d.digest, `${where} ${field}.digest`);
  } catch (err) {
    throw bad((err as Error).message.replace(/ in .*?: /, ': '));
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad(`size must be a non-negative integer, got ${JSON.stringify(d.size)}`);
  return { ...(d as object), mediaType: d.mediaType, digest, size: d.size } as Descriptor;
}

/** 'index' or 'manifest', from the media type, or from the fields when there is none (OCI allows that). */
export function detectManifestKind(bytes: Buffer, mediaType?: string): 'index' | 'manifest' {
  if (isIndexType(mediaType)) return 'index';
  if (mediaType === MediaType.OciManifest || mediaType === MediaType.DockerManifest) return 'manifest';
  const v = json(bytes, 'manifest');
  if (typeof v.mediaType === 'string') return isIndexType(v.mediaType) ? 'index' : 'manifest';
  return Array.isArray(v.manifests) ? 'index' : 'manifest';
}

export function parseManifest(bytes: Buffer, where: Where = 'manifest'): Manifest {
  const v = json(bytes, where);
  if (v.schemaVersion !== 2) throw invalidArgument(`invalid ${where}: unsupported schemaVersion ${JSON.stringify(v.schemaVersion)}`);
  if (v.mediaType !== undefined && v.mediaType !== MediaType.OciManifest && v.mediaType !== MediaType.DockerManifest) {
    throw invalidArgument(`invalid ${where}: mediaType ${JSON.stringify(v.mediaType)} is not an image manifest`);
  }
  if (!Array.isArray(v.layers)) throw invalidArgument(`invalid ${where}: layers is missing`);
  return {
    ...(v as object),
    schemaVersion: 2,
    config: descriptor(v.config, where, 'config'),
    layers: v.layers.map((l, i) => descriptor(l, where, `layers[${i}]`)),
  } as Manifest;
}

export function parseIndex(bytes: Buffer, where: Where = 'index'): Index {
  const v = json(bytes, where);
  if (v.schemaVersion !== 2) throw invalidArgument(`invalid ${where}: unsupported schemaVersion ${JSON.stringify(v.schemaVersion)}`);
  if (v.mediaType !== undefined && !isIndexType(v.mediaType as string)) throw invalidArgument(`invalid ${where}: mediaType ${JSON.stringify(v.mediaType)} is not an index`);
  if (!Array.isArray(v.manifests)) throw invalidArgument(`invalid ${where}: manifests is missing`);
  return { ...(v as object), schemaVersion: 2, manifests: v.manifests.map((m, i) => descriptor(m, where, `manifests[${i}]`)) } as Index;
}

export function parseConfig(bytes: Buffer, where: Where = 'image config'): ImageConfig {
  const v = json(bytes, where);
  const rootfs = v.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (typeof rootfs !== 'object' || rootfs === null) throw invalidArgument(`invalid ${where}: rootfs is missing`);
  if (!Array.isArray(rootfs.diff_ids)) throw invalidArgument(`invalid ${where}: rootfs.diff_ids is missing`);
  const diffIds = rootfs.diff_ids.map((d, i) => {
    if (typeof d !== 'string') throw invalidArgument(`invalid ${where}: rootfs.diff_ids[${i}] is not a string`);
    return parseDigest(d, `${where} rootfs.diff_ids[${i}]`);
  });
  if (v.history !== undefined && !Array.isArray(v.history)) throw invalidArgument(`invalid ${where}: history is not a list`);
  if (v.config !== undefined && v.config !== null && typeof v.config !== 'object') throw invalidArgument(`invalid ${where}: config is not an object`);
  return {
    ...(v as object),
    architecture: typeof v.architecture === 'string' ? v.architecture : '',
    os: typeof v.os === 'string' ? v.os : '',
    config: v.config ? parseRunConfig(v.config as Record<string, unknown>, `${where} config`) : undefined,
    rootfs: { type: typeof rootfs.type === 'string' ? rootfs.type : 'layers', diff_ids: diffIds },
  } as ImageConfig;
}

function parseRunConfig(c: Record<string, unknown>, where: Where): RunConfig {
  const strings = (k: string): void => {
    const x = c[k];
    if (x !== undefined && x !== null && !(Array.isArray(x) && x.every((e) => typeof e === 'string'))) throw invalidArgument(`invalid ${where}: ${k} is not a list of strings`);
  };
  const string = (k: string): void => {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw invalidArgument(`invalid ${where}: ${k} is not a string`);
  };
  for (const k of ['Env', 'Entrypoint', 'Cmd']) strings(k);
  for (const k of ['User', 'WorkingDir', 'StopSignal']) string(k);
  const labels = c.Labels;
  if (labels !== undefined && labels !== null && (typeof labels !== 'object' || Object.values(labels).some((x) => typeof x !== 'string'))) {
    throw invalidArgument(`invalid ${where}: Labels is not a map of strings`);
  }
  return c as RunConfig;
}

/** The short image ID Docker shows: the first 12 hex characters of the config digest. */
export function shortId(id: Digest): string {
  return id.slice(7, 19);
}
