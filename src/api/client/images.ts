// ImageService over the Docker Engine API (the remote engine's images).
import type { Readable } from 'node:stream';
import { invalidArgument, BerthError } from '../../errdefs/index.ts';
import { writeStreamThroughTemp } from '../../meta/index.ts';
import { CredentialStore, type ArchiveInput } from '../../transport/index.ts';
import { parseName, parseReference, familiarName, formatReference } from '../../image/index.ts';
import type {
  CopyImageOptions, CopyReport, HistoryItem, ImageInspect, ImageService, ImageSummary, ImportOptions, ListImagesOptions,
  ProgressMessage, PullOptions, PullReport, PushOptions, PushReport, RegistryAccess, RemoteInspect, RemoteTags, RemoveReport,
} from '../../engine/index.ts';
import { remoteOnly, type ApiClient } from './transport.ts';
import { directoryTar } from './tar.ts';

/** A line of Docker's JSON progress stream. */
interface StreamLine extends ProgressMessage {
  stream?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

const path = (name: string): string => encodeURIComponent(name);

/** X-Registry-Auth: the credentials given, or those the client keeps for the registry. */
export async function registryAuth(name: string, access: RegistryAccess): Promise<Record<string, string>> {
  const domain = parseReference(name).domain;
  const cred = access.creds ?? (await new CredentialStore(access.authFile).get(domain));
  if (!cred) return {};
  const json = JSON.stringify({ username: cred.username, password: cred.password, serveraddress: domain });
  return { 'X-Registry-Auth': Buffer.from(json).toString('base64url') };
}

export class RemoteImages implements ImageService {
  private readonly api: ApiClient;

  constructor(api: ApiClient) {
    this.api = api;
  }

  list(opts: ListImagesOptions = {}): Promise<ImageSummary[]> {
    return this.api.json('GET', '/images/json', { query: { all: opts.all, filters: opts.filters ? JSON.stringify(opts.filters) : undefined } });
  }

  inspect(ref: string): Promise<ImageInspect> {
    return this.api.json('GET', `/images/${path(ref)}/json`);
  }

  history(ref: string): Promise<HistoryItem[]> {
    return this.api.json('GET', `/images/${path(ref)}/history`);
  }

  async tag(source: string, target: string): Promise<void> {
    const t = parseName(target);
    if (t.digest) throw invalidArgument(`refusing to create a tag with a digest reference`);
    await this.api.call('POST', `/images/${path(source)}/tag`, { query: { repo: t.repository, tag: t.tag ?? 'latest' } });
  }

  remove(ref: string, opts: { force?: boolean } = {}): Promise<RemoveReport[]> {
    return this.api.json('DELETE', `/images/${path(ref)}`, { query: { force: opts.force } });
  }

  prune(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<{ ImagesDeleted: RemoveReport[]; SpaceReclaimed: number }> {
    const filters = { ...opts.filters, ...(opts.all ? { dangling: ['false'] } : {}) };
    return this.api.json('POST', '/images/prune', { query: { filters: JSON.stringify(filters) } }).then((r) => {
      const res = r as { ImagesDeleted: RemoveReport[] | null; SpaceReclaimed: number };
      return { ImagesDeleted: res.ImagesDeleted ?? [], SpaceReclaimed: res.SpaceReclaimed };
    });
  }

  async import(source: Readable | { directory: string }, opts: ImportOptions = {}): Promise<string> {
    const body = 'directory' in source ? directoryTar(source.directory) : source;
    const ref = opts.reference ? parseName(opts.reference) : undefined;
    const res = await this.api.request('POST', '/images/create', {
      query: { fromSrc: '-', repo: ref?.repository, tag: ref?.tag, message: opts.message, platform: opts.platform, changes: opts.changes },
      body,
    });
    let id = '';
    for await (const line of this.stream(res)) if (line.status?.startsWith('sha256:')) id = line.status;
    return id;
  }

  async load(input: ArchiveInput): Promise<{ id: string; names: string[] }[]> {
    const body = 'file' in input ? input.file.createReadStream({ autoClose: false, highWaterMark: 1 << 20 }) : input;
    const res = await this.api.request('POST', '/images/load', { query: { quiet: true }, body, headers: { 'Content-Type': 'application/x-tar' } });
    const loaded: { id: string; names: string[] }[] = [];
    for await (const line of this.stream(res)) {
      const text = line.stream ?? '';
      for (const m of text.matchAll(/^Loaded image: (.+)$/gm)) loaded.push({ id: '', names: [m[1] as string] });
      for (const m of text.matchAll(/^Loaded image ID: (.+)$/gm)) loaded.push({ id: m[1] as string, names: [] });
    }
    return loaded;
  }

  async save(refs: string[], opts: { format?: 'docker-archive' | 'oci-archive' } = {}): Promise<Readable> {
    if (opts.format === 'oci-archive') throw remoteOnly('saving an oci-archive');
    return this.api.request('GET', '/images/get', { query: { names: refs } });
  }

  async saveToFile(refs: string[], path: string, opts: { format?: 'docker-archive' | 'oci-archive' } = {}): Promise<void> {
    await writeStreamThroughTemp(path, await this.save(refs, opts));
  }

  async pull(name: string, opts: PullOptions = {}): Promise<PullReport[]> {
    const ref = parseReference(name);
    const res = await this.api.request('POST', '/images/create', {
      query: { fromImage: formatReference({ ...ref, tag: undefined, digest: undefined }), tag: ref.digest ?? ref.tag ?? (opts.allTags ? undefined : 'latest'), platform: opts.platform },
      headers: await registryAuth(name, opts),
    });
    let digest = '';
    const reports: PullReport[] = [];
    for await (const line of this.stream(res, opts.onProgress)) {
      const d = /^Digest: (sha256:[0-9a-f]{64})$/.exec(line.status ?? '');
      if (d) digest = d[1] as string;
      const s = /^Status: (Image is up to date|Downloaded newer image) for (.+)$/.exec(line.status ?? '');
      if (s) reports.push({ name: s[2] as string, id: '', digest, upToDate: s[1] === 'Image is up to date' });
    }
    // Full names, as the local engine reports them (the stream has the familiar ones).
    return Promise.all(reports.map(async (r) => ({ ...r, name: formatReference(parseReference(r.name)), id: (await this.inspect(r.name)).Id })));
  }

  async push(name: string, opts: PushOptions = {}): Promise<PushReport[]> {
    const ref = parseName(name);
    const res = await this.api.request('POST', `/images/${path(ref.repository)}/push`, { query: { tag: ref.digest ?? ref.tag }, headers: await registryAuth(name, opts) });
    const reports: PushReport[] = [];
    for await (const line of this.stream(res, opts.onProgress)) {
      const aux = line.aux as { Tag?: string; Digest?: string; Size?: number } | undefined;
      if (aux?.Digest) reports.push({ tag: aux.Tag ?? '', digest: aux.Digest, size: aux.Size ?? 0 });
    }
    return reports;
  }

  async copy(_src: string, _dst: string, _opts?: CopyImageOptions): Promise<CopyReport> {
    throw remoteOnly('image copy');
  }

  async remoteTags(_ref: string, _opts?: RegistryAccess): Promise<RemoteTags> {
    throw remoteOnly('listing a registry\'s tags');
  }

  async inspectRemote(ref: string, opts: RegistryAccess = {}): Promise<RemoteInspect> {
    const d = await this.api.json<{ Descriptor: { mediaType: string; digest: string; size: number }; Platforms?: { os: string; architecture: string; variant?: string }[] }>('GET', `/distribution/${path(ref)}/json`, { headers: await registryAuth(ref, opts) });
    return {
      Name: familiarName(formatReference(parseReference(ref))),
      Digest: d.Descriptor.digest,
      MediaType: d.Descriptor.mediaType,
      Size: d.Descriptor.size,
      Manifest: undefined,
      Platforms: d.Platforms?.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/')),
      Tags: [],
    };
  }

  /** The JSON progress lines of a response; an error line ends it with that error. */
  private async *stream(res: Readable & { statusCode?: number }, onProgress?: (m: ProgressMessage) => void): AsyncIterable<StreamLine> {
    for await (const line of this.api.jsonLines<StreamLine>(res as never)) {
      if (line.error || line.errorDetail) throw new BerthError('Internal', line.errorDetail?.message ?? line.error ?? 'unknown error');
      if (line.status && onProgress) onProgress({ ...(line.id ? { id: line.id } : {}), status: line.status, ...(line.progressDetail ? { progressDetail: line.progressDetail } : {}) });
      yield line;
    }
  }
}
