// Image and layer records: one JSON document, meta/images.json.
// Layer reference counts are not stored: they are derived from the image records, so they can
// never drift from them.
import { isDigest, type Digest } from '../content/index.ts';
import { BerthError } from '../errdefs/index.ts';
import { JsonDocument } from './document.ts';

export interface ImageRecord {
  /** Image ID: the config digest, as Docker shows it. */
  id: Digest;
  /** The manifest stored for this image (its bytes are a blob). */
  manifest: Digest;
  manifestMediaType: string;
  /** Full normalised references: docker.io/library/busybox:latest. */
  names: string[];
  /** Canonical references by manifest digest (RepoDigests): docker.io/library/busybox@sha256:... */
  digests: string[];
  /** Diff IDs, bottom layer first. */
  layers: Digest[];
  /** Every blob the image needs: manifest, config and layer blobs. */
  blobs: Digest[];
  /** Sum of the unpacked layers' sizes, as `docker images` shows. */
  size: number;
  /** The config's created time. */
  created: string;
  /** When this store got the image. */
  added: string;
  /** A build step's image, kept for the build cache. */
  intermediate?: true;
}

export interface LayerRecord {
  diffId: Digest;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Sum of the regular files' sizes. */
  contentSize: number;
}

export interface ImagesDocument {
  version: 1;
  images: Record<string, ImageRecord>;
  layers: Record<string, LayerRecord>;
}

function empty(): ImagesDocument {
  return { version: 1, images: {}, layers: {} };
}

// Validates what is read back from disk: a corrupt document must be reported, not half-used.
function parseDocument(raw: Buffer, path: string): ImagesDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new BerthError('Internal', `image metadata ${path} is not valid JSON: ${(err as Error).message}; run 'berth system check'`);
  }
  const bad = (why: string): never => {
    throw new BerthError('Internal', `image metadata ${path} is invalid: ${why}`);
  };
  if (typeof doc !== 'object' || doc === null) return bad('not an object');
  const d = doc as Partial<ImagesDocument>;
  if (d.version !== 1) return bad(`unsupported version ${String(d.version)}`);
  if (typeof d.images !== 'object' || d.images === null) return bad('images missing');
  if (typeof d.layers !== 'object' || d.layers === null) return bad('layers missing');
  for (const [id, rec] of Object.entries(d.images)) {
    if (!isDigest(id) || rec.id !== id || !isDigest(rec.manifest) || !Array.isArray(rec.names) || !Array.isArray(rec.layers) || !Array.isArray(rec.blobs)) {
      bad(`image record ${id}`);
    }
  }
  return d as ImagesDocument;
}

export class ImageMeta extends JsonDocument<ImagesDocument> {
  constructor(root: string) {
    super(root, 'images', empty, parseDocument);
  }
}
