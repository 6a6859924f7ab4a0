// Where a registry is and how to talk to it: the API host for a reference's domain, HTTPS with the
// CAs and client certificates of the certs.d layout, and Docker's rule for insecure registries
// (loopback and listed hosts: HTTPS without verification first, then plain HTTP).
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_DOMAIN } from '../../image/index.ts';

export interface RegistryOptions {
  /** true: HTTPS with verification, even for loopback; false: never verify, plain HTTP allowed; undefined: Docker's rules. */
  tlsVerify?: boolean;
  /** A directory in the certs.d layout (`<dir>/<host>/ca.crt`, `*.cert` + `*.key`), used instead of the system ones. */
  certDir?: string;
  /** Hosts (host:port) or CIDR ranges treated as insecure, as Docker's `insecure-registries`. */
  insecureRegistries?: string[];
}

export interface TlsFiles {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
}

export interface Endpoint {
  /** https://host:port or http://host:port */
  base: string;
  /** Verify the server's certificate (HTTPS only). */
  verify: boolean;
  tls: TlsFiles;
}

const SYSTEM_CERT_DIRS = ['/etc/berth/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d'];

/** The host that serves a domain's registry API: Docker Hub's names map to registry-1.docker.io. */
export function apiHost(domain: string): string {
  return isDockerHub(domain) ? 'registry-1.docker.io' : domain;
}

/** Docker Hub's names: the only registry that mirrors (`registry-mirrors`) stand in for. */
export function isDockerHub(domain: string): boolean {
  return domain === DEFAULT_DOMAIN || domain === 'index.docker.io';
}

/**
 * A mirror's endpoint: its URL as given (a path is a prefix before /v2/), HTTPS verified unless
 * its host is insecure, as dockerd reaches a mirror; no fallback to plain HTTP, the scheme is the
 * user's.
 */
export function mirrorEndpoint(mirror: string, opts: RegistryOptions = {}): Endpoint {
  const url = new URL(mirror);
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  if (url.protocol === 'http:') return { base, verify: false, tls: {} };
  const insecure = opts.tlsVerify === false || (opts.tlsVerify === undefined && isInsecure(url.host, opts.insecureRegistries ?? []));
  return { base, verify: !insecure, tls: tlsFiles(url.host, opts.certDir) };
}

/** An API path (`/v2/...`) on an endpoint whose base may carry a path prefix; a whole URL (a `Link`) as it is. */
export function endpointUrl(base: string, path: string): URL {
  return /^https?:\/\//i.test(path) ? new URL(path) : new URL(`${base}${path}`);
}

/** The endpoints to try, in order, for a registry domain. */
export function endpointsFor(domain: string, opts: RegistryOptions = {}): Endpoint[] {
  const host = apiHost(domain);
  const tls = tlsFiles(domain, opts.certDir);
  const insecure = opts.tlsVerify === false || (opts.tlsVerify === undefined && isInsecure(host, opts.insecureRegistries ?? []));
  const https: Endpoint = { base: `https://${host}`, verify: !insecure, tls };
  return insecure ? [https, { base: `http://${host}`, verify: false, tls: {} }] : [https];
}

/** Docker's default: loopback registries are insecure, as are those the user lists. */
export function isInsecure(host: string, listed: string[]): boolean {
  const name = hostname(host);
  if (name === 'localhost' || /^127\./.test(name) || name === '::1') return true;
  return listed.some((entry) => entry === host || entry === name || (entry.includes('/') && inCidr(name, entry)));
}

function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(ip) !== 4 || isIP(net ?? '') !== 4 || !(bits >= 0 && bits <= 32)) return false;
  const toInt = (s: string): number => s.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(net as string) & mask) >>> 0);
}

/** The CAs (`*.crt`) and client certificate (`*.cert` with its `*.key`) for a host, as Docker reads certs.d. */
export function tlsFiles(domain: string, certDir?: string): TlsFiles {
  const out: TlsFiles = {};
  for (const base of certDir ? [certDir] : SYSTEM_CERT_DIRS) {
    const dir = join(base, domain);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.endsWith('.crt')) (out.ca ??= []).push(readFileSync(join(dir, name)));
      if (name.endsWith('.cert') && !out.cert) {
        out.cert = readFileSync(join(dir, name));
        out.key = readFileSync(join(dir, `${name.slice(0, -'.cert'.length)}.key`));
      }
    }
  }
  return out;
}
