// `image copy SRC DST` between any two image locations: registries, OCI layouts, archives and the
// store. Digests are kept whenever the destination stores what it gets as it is.
import { invalidArgument } from '../errdefs/index.ts';
import { parsePlatform, parseTaggedName } from '../image/index.ts';
import type { ImageStore } from '../store/index.ts';
import type { ImageDestination, ImageSource, Location } from '../transport/index.ts';
import { clientOptions } from './registry.ts';
import { resolveImage } from './resolve.ts';
import type { CopyImageOptions, CopyReport } from './types.ts';

export async function copyBetween(store: ImageStore, from: string, to: string, opts: CopyImageOptions = {}): Promise<CopyReport> {
  const t = await import('../transport/index.ts');
  const src = t.parseLocation(from);
  const dst = t.parseLocation(to);
  if (src.kind === 'store' && dst.kind === 'store') throw invalidArgument('both locations are the store: use `berth tag`');
  const source = await openSource(store, src, opts);
  try {
    const run = async (): Promise<CopyReport> => {
      const destination = await openDestination(store, dst, opts);
      try {
        const say = opts.onProgress ?? ((): void => undefined);
        const result = await t.copyImage(source, destination, {
          all: opts.all,
          platform: opts.platform ? parsePlatform(opts.platform) : undefined,
          onProgress: (p) => {
            if (p.status === 'exists') say({ status: `Copying blob ${p.id} skipped: already exists` });
            if (p.status === 'done') say({ status: `Copying blob ${p.id} done` });
          },
        });
        say({ status: 'Writing manifest to image destination' });
        return { digest: result.digest };
      } finally {
        await destination.close();
      }
    };
    // Into the store: under its write lock, so no collection sweeps the copy half way.
    return dst.kind === 'store' ? await store.writing(run) : await run();
  } finally {
    await source.close();
  }
}

async function openSource(store: ImageStore, l: Location, opts: CopyImageOptions): Promise<ImageSource> {
  const t = await import('../transport/index.ts');
  switch (l.kind) {
    case 'registry':
      return t.RegistrySource.open(l.ref, await clientOptions(opts.src ?? {}));
    case 'oci':
      return new t.LayoutSource(l.path, l.name);
    case 'oci-archive':
    case 'docker-archive':
      return t.openArchiveSource(l.path, l.kind, l.name);
    case 'store':
      return new t.StoreSource(store, resolveImage(await store.document(), l.name).image);
  }
}

async function openDestination(store: ImageStore, l: Location, opts: CopyImageOptions): Promise<ImageDestination> {
  const t = await import('../transport/index.ts');
  switch (l.kind) {
    case 'registry':
      return t.RegistryDestination.open(l.ref, await clientOptions(opts.dest ?? {}));
    case 'oci':
      return new t.LayoutDestination(l.path, l.name);
    case 'oci-archive':
    case 'docker-archive':
      return t.ArchiveDestination.open(l.path, l.kind, l.name);
    case 'store':
      return new t.StoreDestination(store, { name: parseTaggedName(l.name) });
  }
}
