// The engine's side of registries: pull and push by name (one tag, a digest, or every tag), and
// login/logout with credentials kept in Docker's config.json. The transport does the protocol.
import { invalidArgument, notFound } from '../errdefs/index.ts';
import {
  DEFAULT_DOMAIN,
  detectManifestKind,
  familiarName,
  formatPlatform,
  formatReference,
  hostPlatform,
  parseConfig,
  parseIndex,
  parseManifest,
  parsePlatform,
  parseReference,
  repositoryOf,
  selectManifest,
  type Platform,
  type Reference,
} from '../image/index.ts';
import type { ImageStore } from '../store/index.ts';
import type { ClientOptions, ProgressEvent, RegistryClient } from '../transport/index.ts';
import { loadConfig } from './config.ts';
import { resolveImage } from './resolve.ts';
import type { AuthService, ProgressMessage, PullOptions, PullReport, PushOptions, PushReport, RegistryAccess, RemoteInspect, RemoteTags } from './types.ts';

export async function clientOptions(access: RegistryAccess): Promise<ClientOptions> {
  const { CredentialStore } = await import('../transport/index.ts');
  return {
    tlsVerify: access.tlsVerify,
    certDir: access.certDir,
    insecureRegistries: access.insecureRegistries ?? loadConfig()['insecure-registries'],
    credential: access.creds,
    credentials: access.credentialStore === false ? undefined : new CredentialStore(access.authFile),
  };
}

function toMessage(onProgress?: (m: ProgressMessage) => void): ((e: ProgressEvent) => void) | undefined {
  if (!onProgress) return undefined;
  return (e) => onProgress({ ...(e.id ? { id: e.id } : {}), status: e.status, ...(e.total !== undefined ? { progressDetail: { current: e.current, total: e.total } } : {}) });
}

export async function pull(store: ImageStore, name: string, opts: PullOptions = {}): Promise<PullReport[]> {
  const ref = parseReference(name);
  const { pullImage, withPullClient } = await import('../transport/index.ts');
  const client = { ...(await clientOptions(opts)), mirrors: opts.registryMirrors ?? loadConfig()['registry-mirrors'] };
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  let refs: Reference[] = [ref.tag === undefined && ref.digest === undefined && !opts.allTags ? { ...ref, tag: 'latest' } : ref];
  if (opts.allTags) {
    if (ref.tag !== undefined || ref.digest !== undefined) throw invalidArgument('tag can\'t be used with --all-tags/-a');
    refs = (await withPullClient(ref.domain, client, (c) => c.tags(ref.path))).sort().map((tag) => ({ ...ref, tag }));
    if (refs.length === 0) throw notFound(`no tags found for ${repositoryOf(ref)}`);
  }
  const reports: PullReport[] = [];
  const say = opts.onProgress ?? ((): void => undefined);
  for (const r of refs) {
    const result = await pullImage(store, r, { ...client, platform, onProgress: toMessage(opts.onProgress) });
    say({ status: `Digest: ${result.digest}` });
    say({ status: `Status: ${result.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarName(formatReference(r))}` });
    reports.push({ name: formatReference(r), id: result.id, digest: result.digest, upToDate: result.upToDate });
  }
  return reports;
}

export async function push(store: ImageStore, name: string, opts: PushOptions = {}): Promise<PushReport[]> {
  const ref = parseReference(name);
  const { pushImage } = await import('../transport/index.ts');
  const doc = await store.document();
  const repository = repositoryOf(ref);
  let tags: string[];
  if (opts.allTags) {
    if (ref.tag !== undefined || ref.digest !== undefined) throw invalidArgument('tag can\'t be used with --all-tags/-a');
    tags = Object.values(doc.images).flatMap((i) => i.names.filter((n) => n.startsWith(`${repository}:`)).map((n) => n.slice(repository.length + 1)));
    if (tags.length === 0) throw notFound(`An image does not exist locally with the tag: ${familiarName(repository)}`);
  } else {
    tags = [ref.tag ?? 'latest'];
  }
  const client = await clientOptions(opts);
  const reports: PushReport[] = [];
  const say = opts.onProgress ?? ((): void => undefined);
  say({ status: `The push refers to repository [${repository}]` });
  for (const tag of tags) {
    const local = ref.digest ? `${repository}@${ref.digest}` : `${repository}:${tag}`;
    let image;
    try {
      // Read again for each tag: pushing the one before may have replaced the image's manifest and blobs.
      image = resolveImage(await store.document(), local).image;
    } catch {
      throw notFound(`An image does not exist locally with the tag: ${familiarName(local)}`);
    }
    const target: Reference = ref.digest ? { ...ref } : { ...ref, tag };
    const result = await pushImage(store, image, target, { ...client, compression: opts.compressionFormat, onProgress: toMessage(opts.onProgress) });
    await store.addDigest(image.id, `${repository}@${result.digest}`);
    say({ status: `${ref.digest ?? tag}: digest: ${result.digest} size: ${result.size}` });
    reports.push({ tag: ref.digest ?? tag, digest: result.digest, size: result.size });
  }
  return reports;
}

/** The registry a login names: a host[:port], with any scheme or path (`https://host/v2/`) dropped. */
export function loginDomain(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  if (host === '' || host === 'index.docker.io' || host === 'registry-1.docker.io') return DEFAULT_DOMAIN;
  return host;
}

export function authService(): AuthService {
  return {
    async login(server, creds, access = {}) {
      const { RegistryClient, CredentialStore } = await import('../transport/index.ts');
      const domain = loginDomain(server);
      const client = await RegistryClient.connect(domain, { ...(await clientOptions(access)), credential: creds });
      try {
        await client.login();
      } finally {
        client.close();
      }
      if (access.credentialStore !== false) await new CredentialStore(access.authFile).store(domain, creds);
      return 'Login Succeeded';
    },
    async logout(server, opts = {}) {
      const { CredentialStore, credentialKey } = await import('../transport/index.ts');
      const domain = loginDomain(server);
      return { key: credentialKey(domain), removed: await new CredentialStore(opts.authFile).erase(domain) };
    },
  };
}

/** A registry name as skopeo writes it (`docker://host/repo:tag`) or as Docker does. */
function remoteReference(name: string): Reference {
  const ref = parseReference(name.replace(/^docker:\/\//, ''));
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

async function withClient<T>(ref: Reference, access: RegistryAccess, fn: (c: RegistryClient) => Promise<T>): Promise<T> {
  const { RegistryClient } = await import('../transport/index.ts');
  const client = await RegistryClient.connect(ref.domain, await clientOptions(access));
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** `image tags`: a repository's tags, as `skopeo list-tags` prints them. */
export async function remoteTags(name: string, access: RegistryAccess = {}): Promise<RemoteTags> {
  const ref = parseReference(name.replace(/^docker:\/\//, ''));
  return withClient(ref, access, async (c) => ({ Repository: repositoryOf(ref), Tags: await c.tags(ref.path) }));
}

/** `image inspect --remote`: the manifest (and the platforms of an index), the host platform's config, the tags. */
export async function inspectRemote(name: string, access: RegistryAccess = {}): Promise<RemoteInspect> {
  const ref = remoteReference(name);
  return withClient(ref, access, async (c) => {
    const top = await c.manifest(ref.path, ref.digest ?? (ref.tag as string));
    const out: RemoteInspect = { Name: repositoryOf(ref), Digest: top.digest, MediaType: top.mediaType, Size: top.bytes.length, Manifest: JSON.parse(top.bytes.toString('utf8')) as unknown, Tags: await c.tags(ref.path) };
    let manifest = top;
    if (detectManifestKind(top.bytes, top.mediaType) === 'index') {
      const index = parseIndex(top.bytes, `index ${top.digest}`);
      out.Platforms = index.manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform as Platform));
      const picked = selectManifest(index, hostPlatform());
      if (!picked) return out;
      manifest = await c.manifest(ref.path, picked.digest);
    }
    const m = parseManifest(manifest.bytes, `manifest ${manifest.digest}`);
    out.Config = parseConfig(await c.blobBytes(ref.path, m.config), `image config ${m.config.digest}`);
    return out;
  });
}
