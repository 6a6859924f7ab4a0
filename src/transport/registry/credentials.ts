// Registry credentials in Docker's config.json (`$DOCKER_CONFIG/config.json`, else
// `~/.docker/config.json`, or a file given with --authfile / REGISTRY_AUTH_FILE): `auths` entries
// with base64 `user:password`, and the `credsStore` / `credHelpers` programs (docker-credential-*),
// which keep secrets elsewhere and speak JSON on stdin/stdout.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { invalidArgument } from '../../errdefs/index.ts';
import { DEFAULT_DOMAIN } from '../../image/index.ts';
import { childProcess } from '../../sys/index.ts';

export interface Credential {
  username: string;
  password: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** Docker Hub's key in config.json, kept for compatibility with the docker CLI. */
const HUB_KEY = 'https://index.docker.io/v1/';

export function defaultAuthFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** The key a registry has in config.json: Docker Hub's legacy URL, else the host[:port]. */
export function credentialKey(domain: string): string {
  return domain === DEFAULT_DOMAIN || domain === 'index.docker.io' || domain === 'registry-1.docker.io' ? HUB_KEY : domain;
}

/** A config.json key written by any tool ("https://host/v2/", "host") as host[:port]. */
function keyHost(key: string): string {
  if (key === HUB_KEY) return HUB_KEY;
  return key.replace(/^[a-z]+:\/\//, '').split('/')[0] as string;
}

export class CredentialStore {
  readonly file: string;

  constructor(file: string = defaultAuthFile()) {
    this.file = file;
  }

  async get(domain: string): Promise<Credential | undefined> {
    const config = await this.read();
    const key = credentialKey(domain);
    const helper = config.credHelpers?.[key] ?? config.credHelpers?.[domain] ?? config.credsStore;
    if (helper) return helperGet(helper, key);
    const entry = Object.entries(config.auths ?? {}).find(([k]) => keyHost(k) === key)?.[1];
    if (!entry) return undefined;
    if (entry.auth) {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon === -1) throw invalidArgument(`${this.file}: the auth entry for ${key} is not base64 of user:password`);
      return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    return undefined;
  }

  async store(domain: string, cred: Credential): Promise<void> {
    const config = await this.read();
    const key = credentialKey(domain);
    const helper = config.credHelpers?.[key] ?? config.credsStore;
    config.auths ??= {};
    if (helper) {
      await runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: cred.username, Secret: cred.password }));
      config.auths[key] = {}; // as Docker: the key is listed, the secret is in the helper
    } else {
      config.auths[key] = { auth: Buffer.from(`${cred.username}:${cred.password}`).toString('base64') };
    }
    await this.write(config);
  }

  /** Removes a registry's credentials; false when there were none. */
  async erase(domain: string): Promise<boolean> {
    const config = await this.read();
    const key = credentialKey(domain);
    const helper = config.credHelpers?.[key] ?? config.credsStore;
    const keys = Object.keys(config.auths ?? {}).filter((k) => keyHost(k) === key);
    let found = keys.length > 0;
    if (helper) found = (await runHelper(helper, 'erase', key).then(() => true, () => false)) || found;
    for (const k of keys) delete config.auths?.[k];
    if (keys.length > 0) await this.write(config);
    return found;
  }

  private async read(): Promise<ConfigFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return {};
    }
    if (text.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as ConfigFile;
    } catch (err) {
      throw invalidArgument(`${this.file}: not a valid config file: ${(err as Error).message}`);
    }
  }

  private async write(config: ConfigFile): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

async function helperGet(helper: string, key: string): Promise<Credential | undefined> {
  let out: string;
  try {
    out = await runHelper(helper, 'get', key);
  } catch (err) {
    if (/credentials not found/i.test((err as Error).message)) return undefined;
    throw err;
  }
  const parsed = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
  if (typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string') throw invalidArgument(`docker-credential-${helper} get: the answer has no Username and Secret`);
  return { username: parsed.Username, password: parsed.Secret };
}

/** Runs `docker-credential-NAME ACTION` with `input` on stdin; its stdout, or an error with its output. */
function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(program, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => reject(invalidArgument(`error getting credentials - ${program}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(invalidArgument(`error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : 'erasing'} credentials - ${program} ${action}: ${(out || err).trim() || `exit status ${code}`}`));
    });
    child.stdin.end(input);
  });
}
