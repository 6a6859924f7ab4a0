// `import`: a root filesystem (a tar, compressed or not, or a directory) becomes a one-layer image.
// The layer is stored uncompressed, so its blob digest is its diff ID, and unpacked in the same pass.
import { Readable } from 'node:stream';
import { invalidArgument } from '../errdefs/index.ts';
import type { ImageStore } from '../store/index.ts';
import { storeBlob } from '../store/index.ts';
import { decompress, tarDirectory } from '../layer/index.ts';
import { MediaType, applyChanges, hostPlatform, parsePlatform, parseTaggedName, type ImageConfig } from '../image/index.ts';
import { writeImage } from './write-image.ts';
import type { ImportOptions } from './types.ts';

export async function importImage(store: ImageStore, source: Readable | { directory: string }, opts: ImportOptions): Promise<string> {
  // Validate everything the user typed before reading a byte.
  const name = opts.reference ? parseTaggedName(opts.reference) : undefined;
  const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const created = new Date().toISOString();
  const baseConfig = applyChanges({}, opts.changes ?? []);

  return store.writing(async () => {
    const tar = source instanceof Readable ? decompress(source) : tarDirectory(source.directory);
    const blob = await storeBlob(store, tar, { layer: () => true, what: 'the imported root filesystem' });
    if (!blob.layer) throw invalidArgument('import: the source is empty');
    const layer = await blob.layer;
    if (layer.diffId !== blob.digest) throw new Error(`import: layer digest ${blob.digest} differs from its diff ID ${layer.diffId}`);
    const config: ImageConfig = {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created,
      config: baseConfig,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, comment: opts.message || `Imported from ${opts.sourceName ?? '-'}` }],
    };
    return writeImage(store, {
      config,
      manifestMediaType: MediaType.OciManifest,
      layers: [{ descriptor: { mediaType: MediaType.OciLayer, digest: blob.digest, size: blob.size }, layer }],
      names: name ? [name] : [],
    });
  });
}
