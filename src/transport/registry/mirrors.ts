// Docker Hub pulls through mirrors (dockerd's `registry-mirrors`): each mirror in order, then the
// Hub itself. A mirror that fails in any way (unreachable, no such manifest, 5xx, a broken
// download) passes the pull on to the next; only the last failure is reported.
import { RegistryClient, type ClientOptions } from './client.ts';
import { endpointsFor, isDockerHub, mirrorEndpoint, type Endpoint } from './hosts.ts';

export interface MirrorOptions extends ClientOptions {
  /** Mirror URLs (validated, http(s)://host[:port][/path]), for Docker Hub names only. */
  mirrors?: string[];
}

/** Runs `fn` with a client for each place a pull of `domain` may come from, until one succeeds. */
export async function withPullClient<T>(domain: string, opts: MirrorOptions, fn: (client: RegistryClient) => Promise<T>): Promise<T> {
  for (const mirror of isDockerHub(domain) ? (opts.mirrors ?? []) : []) {
    try {
      return await withClient(domain, opts, [mirrorEndpoint(mirror, opts)], fn);
    } catch {
      // dockerd goes on to the next place whatever went wrong; the Hub's own failure is the one reported.
    }
  }
  return withClient(domain, opts, endpointsFor(domain, opts), fn);
}

async function withClient<T>(domain: string, opts: ClientOptions, endpoints: Endpoint[], fn: (client: RegistryClient) => Promise<T>): Promise<T> {
  const client = await RegistryClient.connect(domain, opts, endpoints);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
