// Registry credentials as clients send them: X-Registry-Auth (base64url JSON of Docker's
// AuthConfig) on pull, push and distribution; the same JSON as the body of POST /auth. The daemon
// uses only what the client sent, never a credentials file of its own, and daemon.json's
// insecure-registries and registry-mirrors.
import type { RegistryAccess } from '../../engine/index.ts';
import { invalidArgument } from '../../errdefs/index.ts';
import type { DaemonState } from './state.ts';

/** Docker's registry.AuthConfig, as clients send it. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of "user:password" (what config.json keeps). */
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

const FIELDS = ['username', 'password', 'auth', 'serveraddress', 'identitytoken', 'registrytoken', 'email'];

/** Parses an AuthConfig from JSON text; throws InvalidArgument with Go's decoder's words on bad input. */
export function parseAuthConfig(text: string): AuthConfig {
  if (text.trim() === '') throw invalidArgument('EOF');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type registry.AuthConfig`);
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    const key = k.toLowerCase();
    if (!FIELDS.includes(key)) continue; // unknown fields are ignored, as Go's decoder does
    if (value === null) continue;
    if (typeof value !== 'string') throw invalidArgument(`json: cannot unmarshal ${typeof value} into Go struct field AuthConfig.${k} of type string`);
    out[key] = value;
  }
  return out as AuthConfig;
}

/** X-Registry-Auth's value; undefined when absent. Malformed values throw (callers decide whether that matters). */
export function decodeAuthHeader(value: string | string[] | undefined): AuthConfig | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  if (!/^[A-Za-z0-9+/_=-]*$/.test(v)) throw invalidArgument('invalid X-Registry-Auth header: illegal base64 data');
  try {
    return parseAuthConfig(Buffer.from(v, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid X-Registry-Auth header: ${(err as Error).message}`);
  }
}

/** The header for pull, distribution and search: as dockerd, a malformed value means no credentials. */
export function lenientAuthHeader(value: string | string[] | undefined): AuthConfig | undefined {
  try {
    return decodeAuthHeader(value);
  } catch {
    return undefined;
  }
}

/** The user and password an AuthConfig carries (`auth` holds them when the fields are empty). */
export function credentialsOf(auth: AuthConfig | undefined): { username: string; password: string } | undefined {
  if (!auth) return undefined;
  let { username = '', password = '' } = auth;
  if (username === '' && auth.auth) {
    const plain = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
  }
  return username === '' ? undefined : { username, password };
}

/** How the daemon reaches a registry for a client: its credentials only, daemon.json's insecure registries and mirrors. */
export function registryAccess(state: DaemonState, auth: AuthConfig | undefined): RegistryAccess {
  const creds = credentialsOf(auth);
  return {
    credentialStore: false,
    ...(creds ? { creds } : {}),
    insecureRegistries: state.info.config['insecure-registries'] ?? [],
    registryMirrors: state.info.config['registry-mirrors'] ?? [],
  };
}
