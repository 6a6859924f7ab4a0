// The last step of every image berth makes itself (import, commit, and later build): the config
// and manifest blobs, then the record that names them. Callers run it inside store.writing().
import { digestOf, type Digest } from '../content/index.ts';
import { MediaType, type Descriptor, type ImageConfig } from '../image/index.ts';
import type { LayerRecord } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';

export interface ImageParts {
  config: ImageConfig;
  /** OCI or Docker schema2; the config's media type follows it. */
  manifestMediaType: typeof MediaType.OciManifest | typeof MediaType.DockerManifest;
  /** Layer blobs, bottom first, each with its unpacked layer. */
  layers: { descriptor: Descriptor; layer: LayerRecord }[];
  names: string[];
  /** A build step's image (see NewImage.intermediate). */
  intermediate?: boolean;
}

/** Stores config and manifest and records the image; returns its ID (the config digest). */
export async function writeImage(store: ImageStore, parts: ImageParts): Promise<Digest> {
  const configBytes = Buffer.from(JSON.stringify(parts.config));
  const configDigest = digestOf(configBytes);
  await store.content.put(configBytes, { digest: configDigest });
  const docker = parts.manifestMediaType === MediaType.DockerManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType: parts.manifestMediaType,
    config: { mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig, digest: configDigest, size: configBytes.length },
    layers: parts.layers.map((l) => l.descriptor),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = digestOf(manifestBytes);
  await store.content.put(manifestBytes, { digest: manifestDigest });
  await store.commit({
    id: configDigest,
    manifest: manifestDigest,
    manifestMediaType: parts.manifestMediaType,
    names: parts.names,
    digests: [],
    layers: parts.layers.map((l) => l.layer),
    blobs: [manifestDigest, configDigest, ...parts.layers.map((l) => l.descriptor.digest)],
    created: parts.config.created ?? new Date().toISOString(),
    intermediate: parts.intermediate,
  });
  return configDigest;
}
