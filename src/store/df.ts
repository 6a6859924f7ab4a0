// `system df`: what the images and their layers take on disk, and how much of it is shared.
import type { Digest } from '../content/index.ts';
import type { ImagesDocument } from '../meta/index.ts';

export interface ImageUsage {
  id: Digest;
  names: string[];
  created: string;
  size: number;
  /** Bytes of layers this image shares with at least one other image. */
  sharedSize: number;
  uniqueSize: number;
}

export interface StoreUsage {
  images: ImageUsage[];
  layers: { total: number; shared: number; size: number };
  /** Bytes on disk once each layer is counted once. */
  totalSize: number;
}

export function diskUsage(doc: ImagesDocument): StoreUsage {
  const users = new Map<Digest, number>();
  for (const rec of Object.values(doc.images)) for (const l of new Set(rec.layers)) users.set(l, (users.get(l) ?? 0) + 1);
  const sizeOf = (l: Digest): number => doc.layers[l]?.contentSize ?? 0;
  const images = Object.values(doc.images).map((rec): ImageUsage => {
    const layers = [...new Set(rec.layers)];
    const shared = layers.filter((l) => (users.get(l) ?? 0) > 1).reduce((n, l) => n + sizeOf(l), 0);
    const size = layers.reduce((n, l) => n + sizeOf(l), 0);
    return { id: rec.id, names: rec.names, created: rec.created, size, sharedSize: shared, uniqueSize: size - shared };
  });
  const all = [...users.keys()];
  return {
    images,
    layers: { total: all.length, shared: all.filter((l) => (users.get(l) ?? 0) > 1).length, size: all.reduce((n, l) => n + sizeOf(l), 0) },
    totalSize: all.reduce((n, l) => n + sizeOf(l), 0),
  };
}
