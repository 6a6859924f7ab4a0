// ADD from a URL: the file downloaded into the build's temporary directory, named as BuildKit names
// it (the Content-Disposition filename, else the URL path's last element), mode 0600, its mtime
// from Last-Modified; `--checksum` verified. Git URLs are not fetched.
import { createHash } from 'node:crypto';
import { chmodSync, utimesSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { invalidArgument, unavailable } from '../errdefs/index.ts';

export interface Fetched {
  path: string;
  name: string;
  digest: string;
}

export async function fetchUrl(url: string, dir: string, checksum: string | undefined, signal?: AbortSignal): Promise<Fetched> {
  if (/^git@|\.git(#.*)?$/.test(url) || url.startsWith('git://')) throw invalidArgument(`ADD ${url}: git sources are not supported by berth builds; clone in a RUN step`);
  if (!/^https?:\/\//i.test(url)) throw invalidArgument(`ADD ${url}: only http and https URLs can be downloaded`);
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw unavailable(`failed to load ADD source ${url}: ${cause}`);
  }
  if (!res.ok) throw unavailable(`failed to load ADD source ${url}: invalid response status ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (checksum !== undefined && checksum !== digest) throw invalidArgument(`ADD ${url}: digest mismatch ${digest}: expected ${checksum}`);
  const disposition = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const fromPath = posix.basename(new URL(url).pathname);
  const name = posix.basename(disposition ?? '') || fromPath || '__unnamed__';
  const path = join(dir, `url-${digest.slice(7, 19)}`);
  writeFileSync(path, body);
  chmodSync(path, 0o600);
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
  if (Number.isFinite(modified)) utimesSync(path, modified / 1000, modified / 1000);
  return { path, name, digest };
}
