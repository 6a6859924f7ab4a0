// Docker image references (the distribution/reference grammar): parsing, normalisation of short
// names to docker.io/library/…, the familiar forms `docker images` shows, and Docker's error texts.
import { invalidArgument } from '../errdefs/index.ts';
import { parseDigest, type Digest } from '../content/index.ts';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const NAME_TOTAL_MAX = 255;

// Path components: lowercase alphanumerics separated by ".", "_", "__" or one or more "-".
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;

export interface Reference {
  /** Registry host (and port): docker.io, localhost:5000, [::1]:5000. */
  domain: string;
  /** Repository path within the registry: library/busybox. */
  path: string;
  tag?: string;
  digest?: Digest;
}

export function formatError(detail?: string): Error {
  return invalidArgument(detail ? `invalid reference format: ${detail}` : 'invalid reference format');
}

function validDomain(d: string): boolean {
  let host = d;
  const portMatch = /^(.*):(\d+)$/.exec(d);
  if (portMatch) host = portMatch[1] as string;
  if (IPV6.test(host)) return true;
  return host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** Parses and normalises a reference (short names get docker.io and library/). */
export function parseReference(s: string): Reference {
  if (s === '' || s.length > 2048) throw formatError();
  // As distribution/reference's ParseNormalizedNamed: a name that is all an image ID is refused.
  if (/^[a-f0-9]{64}$/.test(s)) throw invalidArgument(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch {
      throw formatError();
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw formatError();
  }
  if (rest === '') throw formatError();
  // Split the domain off: the first component is a domain if it has a "." or ":" or is localhost,
  // or is not all lowercase (then it cannot be a path component).
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
      if (!validDomain(domain)) throw formatError();
    }
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path !== path.toLowerCase() && path.split('/').every((c) => COMPONENT.test(c.toLowerCase()))) {
    throw formatError(`repository name (${domain === DEFAULT_DOMAIN && !path.includes('/') ? OFFICIAL_PREFIX : ''}${path}) must be lowercase`);
  }
  if (!path.split('/').every((c) => COMPONENT.test(c))) throw formatError();
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `${OFFICIAL_PREFIX}${path}`;
  if (`${domain}/${path}`.length > NAME_TOTAL_MAX) throw formatError(`repository name must not be more than ${NAME_TOTAL_MAX} characters`);
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The full repository name: docker.io/library/busybox. */
export function repositoryOf(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** The full reference string: docker.io/library/busybox:latest, or …@sha256:… */
export function formatReference(r: Reference): string {
  return `${repositoryOf(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** The short form users see: busybox, user/app, localhost:5000/app. */
export function familiarRepository(repository: string): string {
  if (repository.startsWith(`${DEFAULT_DOMAIN}/`)) {
    const p = repository.slice(DEFAULT_DOMAIN.length + 1);
    return p.startsWith(OFFICIAL_PREFIX) && !p.slice(OFFICIAL_PREFIX.length).includes('/') ? p.slice(OFFICIAL_PREFIX.length) : p;
  }
  return repository;
}

/** A full name (`docker.io/library/busybox:latest`, `…@sha256:…`) in its familiar form (`busybox:latest`). */
export function familiarName(full: string): string {
  const at = full.indexOf('@');
  const head = at === -1 ? full : full.slice(0, at);
  const tail = at === -1 ? '' : full.slice(at);
  const colon = head.lastIndexOf(':');
  const hasTag = colon > head.lastIndexOf('/');
  const repo = hasTag ? head.slice(0, colon) : head;
  return `${familiarRepository(repo)}${hasTag ? head.slice(colon) : ''}${tail}`;
}

/** The pieces callers need most: the full repository, tag and digest. */
export function parseName(s: string): { repository: string; tag?: string; digest?: Digest } {
  const r = parseReference(s);
  return { repository: repositoryOf(r), ...(r.tag !== undefined ? { tag: r.tag } : {}), ...(r.digest !== undefined ? { digest: r.digest } : {}) };
}

/** A name to give an image (tag, import, load): full form with a tag, `latest` by default; no digest. */
export function parseTaggedName(s: string): string {
  const r = parseReference(s);
  if (r.digest !== undefined) throw invalidArgument(`refusing to create a tag with a digest reference: ${s}`);
  return `${repositoryOf(r)}:${r.tag ?? 'latest'}`;
}

/** The tag of a full `repo:tag` name. */
export function tagOf(full: string): string {
  const colon = full.lastIndexOf(':');
  return colon > full.lastIndexOf('/') ? full.slice(colon + 1) : 'latest';
}

/** 1 to 64 lowercase hex characters: could be an image ID or a prefix of one. */
export function looksLikeIdPrefix(s: string): boolean {
  return /^[a-f0-9]{1,64}$/.test(s);
}
