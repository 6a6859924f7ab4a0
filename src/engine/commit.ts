// `commit`: a container's changes (its overlay upper directory, whiteouts and all) become a new
// layer on top of its image's layers, and its configuration the new image's configuration.
import type { Digest } from '../content/index.ts';
import { notFound } from '../errdefs/index.ts';
import { MediaType, applyChanges, parseConfig, parseManifest, parseTaggedName, type Descriptor, type ImageConfig, type RunConfig } from '../image/index.ts';
import { diffDirectory } from '../layer/index.ts';
import type { ContainerRecord, LayerRecord } from '../meta/index.ts';
import { storeBlob, type ImageStore } from '../store/index.ts';
import { mountPointStub } from './container-changes.ts';
import { writeImage } from './write-image.ts';

export interface CommitOptions {
  reference?: string;
  /** Dockerfile instructions applied to the new config (`--change`). */
  changes?: string[];
  message?: string;
  author?: string;
}

/** An image's layers as a manifest lists them, each with its unpacked layer record. */
export async function imageLayers(store: ImageStore, imageId: Digest): Promise<{ layer: LayerRecord; descriptor: Descriptor }[]> {
  const doc = await store.document();
  const image = doc.images[imageId];
  if (!image) throw notFound(`image ${imageId} is no longer in the store`, imageId);
  const manifest = parseManifest(await store.content.readBytes(image.manifest), `manifest of image ${imageId}`);
  return image.layers.map((diffId, i) => {
    const layer = doc.layers[diffId];
    const descriptor = manifest.layers[i];
    if (!layer || !descriptor) throw notFound(`layer ${diffId} of image ${imageId} is missing; run 'berth system check'`, diffId);
    return { layer, descriptor };
  });
}

/**
 * A container's changes (its overlay upper directory) stored as a layer blob and unpacked; mtimes
 * clamped to `sourceDateEpoch` when given. Call inside store.writing().
 */
export async function storeChanges(store: ImageStore, rec: ContainerRecord, upper: string, o: { docker: boolean; sourceDateEpoch?: number; mountPoints?: string[] }): Promise<{ layer: LayerRecord; descriptor: Descriptor }> {
  const skip = mountPointStub(upper, rec.Layers.map((l) => store.layers.path(l)), o.mountPoints ?? [...(rec.HostConfig.Mounts ?? []).map((m) => m.Target), ...Object.keys(rec.HostConfig.Tmpfs ?? {})]);
  const blob = await storeBlob(store, diffDirectory(upper, { from: 'overlay-upper', skip, sourceDateEpoch: o.sourceDateEpoch }), { layer: () => true, what: `the changes of container ${rec.Id}` });
  if (!blob.layer) throw new Error(`no layer came out of container ${rec.Id}'s changes`);
  const layer = await blob.layer;
  return { layer, descriptor: { mediaType: o.docker ? MediaType.DockerLayer : MediaType.OciLayer, digest: blob.digest, size: blob.size } };
}

export async function commitContainer(store: ImageStore, rec: ContainerRecord, upper: string, o: CommitOptions): Promise<Digest> {
  const name = o.reference ? parseTaggedName(o.reference) : undefined;
  const doc = await store.document();
  const parent = doc.images[rec.Image];
  if (!parent) throw notFound(`the image of container ${rec.Id} (${rec.Image}) is no longer in the store`, rec.Image);
  const parentConfig = parseConfig(await store.content.readBytes(rec.Image), `config of image ${rec.Image}`);
  const parentLayers = await imageLayers(store, rec.Image);
  // Stay in the parent's manifest family: its layer descriptors keep their media types.
  const docker = parent.manifestMediaType === MediaType.DockerManifest;
  const c = rec.Config;
  const runConfig = applyChanges(
    {
      ...parentConfig.config,
      User: c.User,
      Env: c.Env,
      Cmd: c.Cmd,
      Entrypoint: c.Entrypoint,
      WorkingDir: c.WorkingDir,
      Labels: c.Labels,
      ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    },
    o.changes ?? [],
  ) as RunConfig;
  const created = new Date().toISOString();

  return store.writing(async () => {
    const top = await storeChanges(store, rec, upper, { docker });
    const config: ImageConfig = {
      ...parentConfig,
      created,
      ...(o.author ? { author: o.author } : {}),
      config: runConfig,
      rootfs: { type: 'layers', diff_ids: [...parentConfig.rootfs.diff_ids, top.layer.diffId] },
      history: [
        ...(parentConfig.history ?? []),
        { created, created_by: [rec.Path, ...rec.Args].join(' '), ...(o.author ? { author: o.author } : {}), ...(o.message ? { comment: o.message } : {}) },
      ],
    };
    return writeImage(store, {
      config,
      manifestMediaType: docker ? MediaType.DockerManifest : MediaType.OciManifest,
      layers: [...parentLayers, top],
      names: name ? [name] : [],
    });
  });
}
