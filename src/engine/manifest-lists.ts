// Manifest lists (`docker manifest`, `podman manifest`): an OCI index kept under a name in the
// root, whose entries are images of the store or manifests in a registry, each with its platform.
// `push` sends every local image (by digest) and every remote one (copied across repositories when
// needed) to the destination repository, then the index under its tag.
import type { Digest } from '../content/index.ts';
import { alreadyExists, invalidArgument, notFound } from '../errdefs/index.ts';
import {
  detectManifestKind,
  MediaType,
  parseConfig,
  parseIndex,
  parseManifest,
  parseReference,
  parseTaggedName,
  repositoryOf,
  type Descriptor,
  type Index,
  type Platform,
  type Reference,
} from '../image/index.ts';
import { JsonDocument } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
import { clientOptions } from './registry.ts';
import { resolveImage } from './resolve.ts';
import type { ManifestAnnotateOptions, ManifestService, RegistryAccess } from './types.ts';

interface ListRecord {
  index: Index;
  /** Where each entry's manifest lives: the store (image ID) or a registry repository. */
  sources: Record<string, { image: Digest } | { repository: string }>;
}

interface ListsDocument {
  version: 1;
  lists: Record<string, ListRecord>;
}

function parseLists(raw: Buffer, path: string): ListsDocument {
  const doc = JSON.parse(raw.toString('utf8')) as ListsDocument;
  if (doc?.version !== 1 || typeof doc.lists !== 'object') throw invalidArgument(`manifest lists metadata ${path} is invalid`);
  return doc;
}

export function manifestService(store: ImageStore): ManifestService {
  const meta = new JsonDocument<ListsDocument>(store.root, 'manifests', () => ({ version: 1, lists: {} }), parseLists);
  const get = async (list: string): Promise<[string, ListRecord]> => {
    const name = parseTaggedName(list);
    const rec = (await meta.read()).lists[name];
    if (!rec) throw notFound(`No such manifest: ${list}`, list);
    return [name, rec];
  };

  /** The descriptor (with its platform) and the source of an image named by the user. */
  const entryFor = async (ref: string, access: RegistryAccess): Promise<{ desc: Descriptor; source: ListRecord['sources'][string] }[]> => {
    if (ref.startsWith('docker://')) return remoteEntries(parseReference(ref.slice('docker://'.length)), access);
    const { image } = resolveImage(await store.document(), ref);
    const bytes = await store.content.readBytes(image.manifest);
    const config = parseConfig(await store.content.readBytes(parseManifest(bytes).config.digest));
    return [{ desc: { mediaType: image.manifestMediaType, digest: image.manifest, size: bytes.length, platform: platformOf(config) }, source: { image: image.id } }];
  };

  const add = async (list: string, refs: string[], access: RegistryAccess, create: boolean): Promise<string> => {
    const name = parseTaggedName(list);
    const entries: { desc: Descriptor; source: ListRecord['sources'][string] }[] = [];
    for (const ref of refs) entries.push(...(await entryFor(ref, access)));
    await meta.init();
    await meta.update((doc) => {
      if (create && doc.lists[name]) throw alreadyExists(`refusing to amend an existing manifest list with no --amend flag: ${list}`, list);
      if (!create && !doc.lists[name]) throw notFound(`No such manifest: ${list}`, list);
      const rec = (doc.lists[name] ??= { index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }, sources: {} });
      for (const e of entries) {
        rec.index.manifests = rec.index.manifests.filter((m) => m.digest !== e.desc.digest);
        rec.index.manifests.push(e.desc);
        rec.sources[e.desc.digest] = e.source;
      }
    });
    return name;
  };

  return {
    create: (list, refs, opts = {}) => add(list, refs, opts, opts.amend !== true),
    add: async (list, ref, access = {}) => add(list, [ref], access, false),

    async annotate(list, entry, o: ManifestAnnotateOptions) {
      const name = parseTaggedName(list);
      const digest = entry.startsWith('sha256:') ? entry : (await entryFor(entry, {}))[0]?.desc.digest;
      await meta.update((doc) => {
        const rec = doc.lists[name];
        if (!rec) throw notFound(`No such manifest: ${list}`, list);
        const m = rec.index.manifests.find((d) => d.digest === digest);
        if (!m) throw notFound(`manifest for image ${entry} does not exist in ${list}`, entry);
        const p: Platform = { ...(m.platform ?? { os: '', architecture: '' }) };
        if (o.os) p.os = o.os;
        if (o.arch) p.architecture = o.arch;
        if (o.variant) p.variant = o.variant;
        if (o.osVersion) p['os.version'] = o.osVersion;
        if (o.osFeatures?.length) p['os.features'] = o.osFeatures;
        m.platform = p;
        if (o.annotations && Object.keys(o.annotations).length > 0) m.annotations = { ...m.annotations, ...o.annotations };
      });
    },

    async inspect(list, access = {}) {
      const name = parseTaggedName(list.replace(/^docker:\/\//, ''));
      const local = list.startsWith('docker://') ? undefined : (await meta.read()).lists[name];
      if (local) return local.index;
      // Not a local list: the registry's manifest, as `docker manifest inspect` shows it.
      const ref = parseReference(list.replace(/^docker:\/\//, ''));
      const { RegistryClient } = await import('../transport/index.ts');
      const client = await RegistryClient.connect(ref.domain, await clientOptions(access));
      try {
        return JSON.parse((await client.manifest(ref.path, ref.digest ?? ref.tag ?? 'latest')).bytes.toString('utf8')) as unknown;
      } finally {
        client.close();
      }
    },

    async remove(list) {
      const name = parseTaggedName(list);
      await meta.update((doc) => {
        if (!doc.lists[name]) throw notFound(`No such manifest: ${list}`, list);
        delete doc.lists[name];
      });
    },

    async push(list, destination, access = {}) {
      const [, rec] = await get(list);
      const target = parseReference(destination ?? list);
      const tag = target.tag ?? 'latest';
      const { pushImage, copyImage, RegistrySource, RegistryDestination } = await import('../transport/index.ts');
      const options = await clientOptions(access);
      const manifests: Descriptor[] = [];
      for (const m of rec.index.manifests) {
        const source = rec.sources[m.digest];
        const at: Reference = { domain: target.domain, path: target.path, digest: m.digest };
        if (source && 'image' in source) {
          const image = (await store.document()).images[source.image];
          if (!image) throw notFound(`image ${source.image} of manifest list ${list} is no longer in the store`);
          // Pushing may compress stored layers: the entry then names the manifest actually pushed.
          const pushed = await pushImage(store, image, { ...at, digest: undefined, tag: undefined }, { ...options, byDigest: true });
          manifests.push({ ...m, digest: pushed.digest, size: pushed.size, mediaType: pushed.mediaType });
        } else {
          const from = parseReference(`${(source as { repository: string }).repository}@${m.digest}`);
          const src = await RegistrySource.open(from, options);
          const dst = await RegistryDestination.open(at, options);
          try {
            await copyImage(src, dst);
          } finally {
            await src.close();
            await dst.close();
          }
          manifests.push(m);
        }
      }
      const index = Buffer.from(JSON.stringify({ ...rec.index, manifests }));
      const { RegistryClient } = await import('../transport/index.ts');
      const client = await RegistryClient.connect(target.domain, options);
      try {
        return await client.putManifest(target.path, tag, { bytes: index, mediaType: rec.index.mediaType ?? MediaType.OciIndex });
      } finally {
        client.close();
      }
    },
  };

  async function remoteEntries(ref: Reference, access: RegistryAccess): Promise<{ desc: Descriptor; source: { repository: string } }[]> {
    const { RegistryClient } = await import('../transport/index.ts');
    const client = await RegistryClient.connect(ref.domain, await clientOptions(access));
    try {
      const top = await client.manifest(ref.path, ref.digest ?? ref.tag ?? 'latest');
      const source = { repository: repositoryOf(ref) };
      if (detectManifestKind(top.bytes, top.mediaType) === 'index') {
        return parseIndex(top.bytes, `index ${top.digest}`).manifests.map((desc) => ({ desc, source }));
      }
      const config = parseConfig(await client.blobBytes(ref.path, parseManifest(top.bytes).config));
      return [{ desc: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length, platform: platformOf(config) }, source }];
    } finally {
      client.close();
    }
  }
}

function platformOf(c: { os: string; architecture: string; variant?: string; 'os.version'?: string }): Platform {
  return { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}), ...(c['os.version'] ? { 'os.version': c['os.version'] } : {}) };
}
