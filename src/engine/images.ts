// The image service over berth's local store: list, inspect, history, tag, remove, prune, and the
// archive and import paths. Results are shaped as the Docker Engine API shapes them.
import type { Readable } from 'node:stream';
import type { Digest } from '../content/index.ts';
import { invalidArgument, notFound } from '../errdefs/index.ts';
import { writeFileThroughTemp, type ImageRecord, type ImagesDocument } from '../meta/index.ts';
import type { ImageStore } from '../store/index.ts';
// Archives (and tar-stream) are loaded only by load and save: every other command starts faster.
import type { ArchiveInput, SaveItem } from '../transport/index.ts';
import { parseConfig, parseReference, parseTaggedName, familiarName, repositoryOf, type ImageConfig } from '../image/index.ts';
import { resolveImage } from './resolve.ts';
import { matchImageFilters, matchesReference, parseImageFilters } from './filters.ts';
import { importImage } from './import.ts';
import { inspectRemote, pull, push, remoteTags } from './registry.ts';
import { copyBetween } from './copy.ts';
import { eventLog } from './events.ts';
import type { CopyImageOptions, CopyReport, HistoryItem, ImageInspect, ImageService, ImageSummary, ImportOptions, ListImagesOptions, PullOptions, PullReport, PushOptions, PushReport, RegistryAccess, RemoteInspect, RemoteTags, RemoveReport } from './types.ts';

/** Which container, if any, uses an image (it may not be deleted then). */
export interface ImageUsers {
  userOf(image: Digest): Promise<{ id: string; running: boolean } | undefined>;
}

export class LocalImageService implements ImageService {
  private readonly store: ImageStore;
  private readonly users: ImageUsers | undefined;

  constructor(store: ImageStore, users?: ImageUsers) {
    this.store = store;
    this.users = users;
  }

  private inUse = async (id: Digest): Promise<{ id: string; running: boolean } | undefined> => this.users?.userOf(id);

  private async config(rec: ImageRecord): Promise<ImageConfig> {
    return parseConfig(await this.store.content.readBytes(rec.id), `config of image ${rec.id}`);
  }

  async list(opts: ListImagesOptions = {}): Promise<ImageSummary[]> {
    const doc = await this.store.document();
    const filters = parseImageFilters(opts.filters ?? {});
    const out: ImageSummary[] = [];
    const records = Object.values(doc.images).sort((a, b) => b.created.localeCompare(a.created) || b.added.localeCompare(a.added));
    for (const rec of records) {
      // Build steps' images are the build cache: shown with -a, as Docker shows intermediate images.
      if (rec.intermediate && rec.names.length === 0 && !opts.all) continue;
      const config = await this.config(rec);
      const labels = (config.config?.Labels ?? {}) as Record<string, string>;
      if (!matchImageFilters(filters, rec, labels, doc)) continue;
      out.push({
        Id: rec.id,
        ParentId: '',
        // As Docker: with a reference filter, an image lists only the names that matched.
        RepoTags: rec.names.filter((n) => matchesReference(filters, n)).map(familiarName),
        RepoDigests: rec.digests.filter((n) => matchesReference(filters, n)).map(familiarName),
        Created: Math.floor(Date.parse(rec.created || rec.added) / 1000) || 0,
        Size: rec.size,
        SharedSize: -1,
        Labels: labels,
        Containers: -1,
      });
    }
    return out;
  }

  async inspect(ref: string): Promise<ImageInspect> {
    const doc = await this.store.document();
    const { image: rec } = resolveImage(doc, ref);
    const config = await this.config(rec);
    const manifestInfo = await this.store.content.info(rec.manifest);
    return {
      Id: rec.id,
      RepoTags: rec.names.map(familiarName),
      RepoDigests: rec.digests.map(familiarName),
      Parent: '',
      Comment: historyComment(config),
      Created: config.created ?? '',
      DockerVersion: typeof config.docker_version === 'string' ? config.docker_version : '',
      Author: config.author ?? '',
      Config: dockerConfig(config),
      Architecture: config.architecture,
      ...(config.variant ? { Variant: config.variant } : {}),
      Os: config.os,
      ...(config['os.version'] ? { OsVersion: config['os.version'] } : {}),
      Size: rec.size,
      GraphDriver: { Name: 'overlay', Data: graphData(this.store, rec) },
      RootFS: { Type: 'layers', Layers: rec.layers },
      Metadata: { LastTagTime: rec.added },
      Descriptor: { mediaType: rec.manifestMediaType, digest: rec.manifest, size: manifestInfo?.size ?? 0 },
    };
  }

  async history(ref: string): Promise<HistoryItem[]> {
    const doc = await this.store.document();
    const { image: rec } = resolveImage(doc, ref);
    const config = await this.config(rec);
    const history = config.history ?? [];
    const items: HistoryItem[] = [];
    let layer = 0;
    for (const h of history) {
      const empty = h.empty_layer === true;
      const diffId = empty ? undefined : rec.layers[layer++];
      items.push({
        Id: '<missing>',
        Created: Math.floor(Date.parse(h.created ?? '') / 1000) || 0,
        CreatedBy: h.created_by ?? '',
        Tags: null,
        Size: diffId ? (doc.layers[diffId]?.contentSize ?? 0) : 0,
        Comment: h.comment ?? '',
      });
    }
    // Docker shows newest first; the top entry carries the image ID and tags.
    items.reverse();
    if (items[0]) {
      items[0].Id = rec.id;
      items[0].Tags = rec.names.map(familiarName);
    } else {
      items.push({ Id: rec.id, Created: Math.floor(Date.parse(config.created ?? '') / 1000) || 0, CreatedBy: '', Tags: rec.names.map(familiarName), Size: rec.size, Comment: '' });
    }
    return items;
  }

  async tag(source: string, target: string): Promise<void> {
    const name = parseTaggedName(target);
    const { image } = resolveImage(await this.store.document(), source);
    await this.store.tag(image.id, name);
    eventLog(this.store.root).image('tag', image.id, familiarName(name));
  }

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<RemoveReport[]> {
    const doc = await this.store.document();
    const { image, name } = resolveImage(doc, ref);
    const r = await this.store.remove(image.id, { name, force: opts.force, inUse: this.inUse });
    eventLog(this.store.root).removal(image.id, r);
    return [...r.untagged.map((u): RemoveReport => ({ Untagged: familiarName(u) })), ...r.deleted.map((d): RemoveReport => ({ Deleted: d }))];
  }

  async prune(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<{ ImagesDeleted: RemoveReport[]; SpaceReclaimed: number }> {
    const doc = await this.store.document();
    const filters = parseImageFilters(opts.filters ?? {}, true);
    const before = totalLayerBytes(doc);
    const deleted: RemoveReport[] = [];
    for (const rec of Object.values(doc.images)) {
      if (!opts.all && rec.names.length > 0) continue;
      if (rec.intermediate && rec.names.length === 0) continue; // the build cache: `builder prune` removes it
      const config = await this.config(rec);
      if (!matchImageFilters(filters, rec, (config.config?.Labels ?? {}) as Record<string, string>, doc)) continue;
      if (await this.inUse(rec.id)) continue; // Docker's prune skips images containers use
      const r = await this.store.remove(rec.id, { force: true });
      eventLog(this.store.root).removal(rec.id, r);
      deleted.push(...r.untagged.map((u): RemoveReport => ({ Untagged: familiarName(u) })), ...r.deleted.map((d): RemoveReport => ({ Deleted: d })));
    }
    return { ImagesDeleted: deleted, SpaceReclaimed: Math.max(0, before - totalLayerBytes(await this.store.document())) };
  }

  import(source: Readable | { directory: string }, opts: ImportOptions = {}): Promise<string> {
    return importImage(this.store, source, opts).then((id) => eventLog(this.store.root).image('import', id, id, id));
  }

  async load(input: ArchiveInput): Promise<{ id: string; names: string[] }[]> {
    const { loadArchive } = await import('../transport/index.ts');
    const loaded = await loadArchive(input, this.store);
    for (const l of loaded) eventLog(this.store.root).image('load', l.id, l.id);
    return loaded.map((l) => ({ id: l.id, names: l.names.map(familiarName) }));
  }

  pull(ref: string, opts?: PullOptions): Promise<PullReport[]> {
    return pull(this.store, ref, opts).then((reports) => eventLog(this.store.root).references('pull', reports.map((r) => r.name), reports));
  }

  push(ref: string, opts?: PushOptions): Promise<PushReport[]> {
    return push(this.store, ref, opts).then((reports) => eventLog(this.store.root).references('push', reports.map((r) => `${repositoryOf(parseReference(ref))}${r.tag.startsWith('sha256:') ? '@' : ':'}${r.tag}`), reports));
  }

  copy(src: string, dst: string, opts?: CopyImageOptions): Promise<CopyReport> {
    return copyBetween(this.store, src, dst, opts);
  }

  remoteTags(ref: string, opts?: RegistryAccess): Promise<RemoteTags> {
    return remoteTags(ref, opts);
  }

  inspectRemote(ref: string, opts?: RegistryAccess): Promise<RemoteInspect> {
    return inspectRemote(ref, opts);
  }

  async save(refs: string[], opts: { format?: 'docker-archive' | 'oci-archive' } = {}): Promise<Readable> {
    const items = await this.saveItems(refs);
    const { saveArchive } = await import('../transport/index.ts');
    return saveArchive(items, this.store, opts.format ?? 'docker-archive');
  }

  async saveToFile(refs: string[], path: string, opts: { format?: 'docker-archive' | 'oci-archive' } = {}): Promise<void> {
    const items = await this.saveItems(refs);
    const { saveArchiveToFile } = await import('../transport/index.ts');
    await writeFileThroughTemp(path, (fh) => saveArchiveToFile(fh, items, this.store, opts.format ?? 'docker-archive'));
  }

  /** The images to save, each once with the names it was asked by; every blob checked present. */
  private async saveItems(refs: string[]): Promise<SaveItem[]> {
    if (refs.length === 0) throw invalidArgument('nothing to save: name at least one image');
    const doc = await this.store.document();
    const items = new Map<Digest, SaveItem>();
    for (const ref of refs) {
      const { image, name } = resolveImage(doc, ref);
      const item = items.get(image.id) ?? { image, names: [] };
      // Saved by name: that name goes with it. By ID: Docker saves it untagged.
      if (name && !item.names.includes(name)) item.names.push(name);
      items.set(image.id, item);
    }
    for (const item of items.values()) {
      for (const b of item.image.blobs) if (!(await this.store.content.has(b))) throw notFound(`image ${item.image.id} is incomplete: blob ${b} is missing; run 'berth system check'`);
    }
    for (const id of items.keys()) eventLog(this.store.root).image('save', id, id);
    return [...items.values()];
  }
}

function totalLayerBytes(doc: ImagesDocument): number {
  return Object.values(doc.layers).reduce((n, l) => n + l.contentSize, 0);
}

function historyComment(config: ImageConfig): string {
  const last = config.history?.at(-1);
  return last?.comment ?? '';
}

/** The config as Docker's inspect shows it: Docker fills in the keys an image leaves out. */
function dockerConfig(config: ImageConfig): Record<string, unknown> {
  const c = (config.config ?? {}) as Record<string, unknown>;
  return {
    Hostname: '',
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.ArgsEscaped ? { ArgsEscaped: c.ArgsEscaped } : {}),
    Image: '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell ? { Shell: c.Shell } : {}),
  };
}

function graphData(store: ImageStore, rec: ImageRecord): Record<string, string> | null {
  if (rec.layers.length === 0) return null;
  const dirs = rec.layers.map((l) => store.layers.path(l)).reverse();
  return { LowerDir: dirs.slice(1).join(':'), UpperDir: dirs[0] as string, WorkDir: '' };
}
