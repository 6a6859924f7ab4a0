// The engine's side of registries: pull and push by name (one tag, a digest, or every tag), and
// login/logout with credentials kept in Docker's config.json. The transport does the protocol.
import { invalidArgument, notFound } from '../errdefs/index.ts';
import { DEFAULT_DOMAIN, familiarName, formatReference, parsePlatform, parseReference, repositoryOf, type Reference } from '../image/index.ts';
import type { ImageStore } from '../store/index.ts';
import type { ClientOptions, ProgressEvent } from '../transport/index.ts';
import { resolveImage } from './resolve.ts';
import type { AuthService, ProgressMessage, PullOptions, PullReport, PushOptions, PushReport, RegistryAccess } from './types.ts';

async function clientOptions(access: RegistryAccess): Promise<ClientOptions> {
  const { CredentialStore } = await import('../transport/index.ts');
  return {
    tlsVerify: access.tlsVerify,
    certDir: access.certDir,
    credential: access.creds,
    credentials: new CredentialStore(access.authFile),
  };
}

function toMessage(onProgress?: (m: ProgressMessage) => void): ((e: ProgressEvent) => void) | undefined {
  if (!onProgress) return undefined;
  return (e) => onProgress({ ...(e.id ? { id: e.id } : {}), status: e.status, ...(e.total !== undefined ? { progressDetail: { current: e.current, total: e.total } } : {}) });
}

export async function pull(store: ImageStore, name: string, opts: PullOptions = {}): Promise<PullReport[]> {
  const ref = parseReference(name);
  const { pullImage, RegistryClient } = await import('../transport/index.ts');
  const client = await clientOptions(opts);
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  let refs: Reference[] = [ref.tag === undefined && ref.digest === undefined && !opts.allTags ? { ...ref, tag: 'latest' } : ref];
  if (opts.allTags) {
    if (ref.tag !== undefined || ref.digest !== undefined) throw invalidArgument('tag can\'t be used with --all-tags/-a');
    const c = await RegistryClient.connect(ref.domain, client);
    try {
      refs = (await c.tags(ref.path)).sort().map((tag) => ({ ...ref, tag }));
    } finally {
      c.close();
    }
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
      image = resolveImage(doc, local).image;
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
      await new CredentialStore(access.authFile).store(domain, creds);
      return 'Login Succeeded';
    },
    async logout(server, opts = {}) {
      const { CredentialStore, credentialKey } = await import('../transport/index.ts');
      const domain = loginDomain(server);
      return { key: credentialKey(domain), removed: await new CredentialStore(opts.authFile).erase(domain) };
    },
  };
}
