// Image locations as skopeo names them: `docker://REF`, `oci:DIR[:NAME]`, `oci-archive:FILE[:NAME]`,
// `docker-archive:FILE[:NAME]`, and berth's store (`berth:NAME`, or a bare name).
import { invalidArgument } from '../errdefs/index.ts';
import { parseReference, type Reference } from '../image/index.ts';

export type Location =
  | { kind: 'registry'; ref: Reference }
  | { kind: 'oci'; path: string; name?: string }
  | { kind: 'oci-archive' | 'docker-archive'; path: string; name?: string }
  | { kind: 'store'; name: string };

export function parseLocation(s: string): Location {
  const colon = s.indexOf(':');
  const scheme = colon === -1 ? '' : s.slice(0, colon);
  const rest = s.slice(colon + 1);
  switch (scheme) {
    case 'docker':
      if (!rest.startsWith('//')) throw invalidArgument(`invalid image location "${s}": docker: needs // (docker://HOST/REPO:TAG)`);
      return { kind: 'registry', ref: withTag(parseReference(rest.slice(2))) };
    case 'oci':
    case 'oci-archive':
    case 'docker-archive': {
      const [path, name] = splitPathAndName(rest);
      if (path === '') throw invalidArgument(`invalid image location "${s}": a path is needed (${scheme}:PATH[:NAME])`);
      return scheme === 'oci' ? { kind: 'oci', path, name } : { kind: scheme, path, name };
    }
    case 'berth':
      return { kind: 'store', name: rest };
    default:
      // A bare name: the store (as `docker tag` and `podman push` take it).
      if (/^[a-z-]+:\/\//.test(s) || ['dir', 'containers-storage', 'docker-daemon'].includes(scheme)) throw invalidArgument(`unsupported image location "${s}": use docker://, oci:, oci-archive:, docker-archive: or berth:`);
      return { kind: 'store', name: s };
  }
}

function withTag(r: Reference): Reference {
  return r.tag === undefined && r.digest === undefined ? { ...r, tag: 'latest' } : r;
}

/** PATH[:NAME]: the first colon splits, as containers/image does on Linux. */
function splitPathAndName(s: string): [string, string | undefined] {
  const colon = s.indexOf(':');
  return colon === -1 ? [s, undefined] : [s.slice(0, colon), s.slice(colon + 1) || undefined];
}
