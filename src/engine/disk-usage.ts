// `system df` as the Docker Engine API answers it: images with how many containers use them,
// containers with what they wrote, volumes with their size and users, and the layers' total.
import { snapshotterFor } from '../snapshot/index.ts';
import { diskUsage, type ImageStore } from '../store/index.ts';
import { containerPaths } from './container-files.ts';
import type { LocalContainerService } from './containers.ts';
import type { ContainerSummary, ImageService, ImageSummary, Volume, VolumeService } from './types.ts';

export type DiskUsageType = 'image' | 'container' | 'volume' | 'build-cache';

export interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[] | null;
  Containers: (ContainerSummary & { SizeRw: number; SizeRootFs: number })[] | null;
  Volumes: (Volume & { UsageData: { Size: number; RefCount: number } })[] | null;
  BuildCache: unknown[] | null;
}

export async function dockerDiskUsage(
  parts: { store: ImageStore; containers: LocalContainerService; images: ImageService; volumes: VolumeService },
  types: DiskUsageType[] = ['image', 'container', 'volume', 'build-cache'],
): Promise<DiskUsage> {
  const usage = diskUsage(await parts.store.document());
  const records = await parts.containers.records();
  const containers = types.includes('container') || types.includes('image') ? await parts.containers.list({ all: true }) : [];
  const imageSize = new Map(usage.images.map((i) => [i.id as string, i]));
  const out: DiskUsage = { LayersSize: usage.totalSize, Images: null, Containers: null, Volumes: null, BuildCache: null };
  if (types.includes('image')) {
    out.Images = (await parts.images.list({ all: true })).map((img) => ({
      ...img,
      SharedSize: imageSize.get(img.Id)?.sharedSize ?? 0,
      Containers: containers.filter((c) => c.ImageID === img.Id).length,
    }));
  }
  if (types.includes('container')) {
    out.Containers = await Promise.all(containers.map(async (c) => {
      const rec = records.find((r) => r.Id === c.Id);
      const written = rec ? await snapshotterFor(rec.Driver ?? 'overlay2', parts.store.root).changedSize(containerPaths(parts.store.root, rec.Id).dir).catch(() => 0) : 0;
      return { ...c, SizeRw: written, SizeRootFs: written + (imageSize.get(c.ImageID)?.size ?? 0) };
    }));
  }
  if (types.includes('volume')) {
    out.Volumes = await Promise.all((await parts.volumes.list()).map(async (v) => ({
      ...v,
      UsageData: { Size: parts.containers.volumes.size(v.Name), RefCount: (await parts.containers.volumeUsers(v.Name)).length },
    })));
  }
  // The classic builder's cache is images (shown with `images -a`), not BuildKit records.
  if (types.includes('build-cache')) out.BuildCache = [];
  return out;
}
