// Registry mirrors as dockerd validates them (registry.ValidateMirror): an http:// or https://
// URL, with an optional path, no query, fragment or credentials; normalized to end with '/'.
import { invalidArgument } from '../errdefs/index.ts';

export function validateMirror(mirror: string): string {
  const scheme = mirror.split('://')[0] ?? '';
  if (!mirror.includes('://') || scheme === '') throw invalidArgument(`invalid mirror: no scheme specified for ${JSON.stringify(mirror)}: must use either 'https://' or 'http://'`);
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw invalidArgument(`invalid mirror: ${JSON.stringify(mirror)} is not a valid URI`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument(`invalid mirror: unsupported scheme ${JSON.stringify(scheme)} in ${JSON.stringify(mirror)}: must use either 'https://' or 'http://'`);
  // A mirror is a server: a URL without a host (`file:`-like forms) is none.
  if (url.host === '') throw invalidArgument(`invalid mirror: ${JSON.stringify(mirror)} is not a valid URI: no host`);
  if (url.search !== '' || url.hash !== '' || mirror.includes('?') || mirror.includes('#')) throw invalidArgument(`invalid mirror: query or fragment at end of the URI ${JSON.stringify(mirror)}`);
  if (url.username !== '' || url.password !== '') {
    url.password = 'xxxxx';
    throw invalidArgument(`invalid mirror: username/password not allowed in URI ${JSON.stringify(url.href)}`);
  }
  return mirror.endsWith('/') ? mirror : `${mirror}/`;
}

/** A list of mirrors from a configuration file: each valid, normalized. */
export function validateMirrors(list: unknown, where: string): string[] {
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw invalidArgument(`${where}: "registry-mirrors" must be a list of http(s) URLs`);
  return list.map((m: string) => {
    try {
      return validateMirror(m);
    } catch (err) {
      throw invalidArgument(`${where}: ${(err as Error).message}`);
    }
  });
}
