// The registry's `WWW-Authenticate` challenge flow (Docker's token protocol): a registry answers
// 401 with Basic or Bearer; for Bearer, a token for the scopes a request needs comes from the
// realm (with basic credentials when there are any) and is cached until it expires.
import { BerthError } from '../../errdefs/index.ts';
import type { Credential } from './credentials.ts';
import { describeErrorBody } from './errors.ts';
import { readBody, type HttpTransport } from './http.ts';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (several challenges may share the header). */
export function parseChallenges(header: string | undefined): Challenge[] {
  const out: Challenge[] = [];
  const s = header ?? '';
  let i = 0;
  const word = (): string => {
    const m = /^[\w.~+/-]+/.exec(s.slice(i));
    i += m ? m[0].length : 1;
    return m ? m[0] : '';
  };
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === ',' || s[i] === '\t') {
      i++;
      continue;
    }
    const name = word();
    const eq = /^\s*=\s*/.exec(s.slice(i));
    const current = out[out.length - 1];
    if (!eq) {
      if (name) out.push({ scheme: name.toLowerCase(), params: {} });
      continue;
    }
    i += eq[0].length;
    let value = '';
    if (s[i] === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) value += s[i] === '\\' ? (s[++i] ?? '') : s[i];
      i++;
    } else {
      value = /^[^\s,]*/.exec(s.slice(i))?.[0] ?? '';
      i += value.length;
    }
    if (current) current.params[name.toLowerCase()] = value;
  }
  return out;
}

/** `repository:NAME:pull,push` */
export function repositoryScope(repository: string, actions: string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

interface CachedToken {
  token: string;
  expires: number;
}

export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  private readonly http: HttpTransport;
  private readonly credential: () => Promise<Credential | undefined>;

  constructor(http: HttpTransport, credential: () => Promise<Credential | undefined>) {
    this.http = http;
    this.credential = credential;
  }

  /** Remembers what the registry asked for (from `GET /v2/` or any 401). */
  setChallenge(header: string | undefined): boolean {
    const challenges = parseChallenges(header);
    const pick = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!pick) return false;
    this.challenge = pick;
    return true;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** The Authorization header for a request needing `scopes`, or none when the registry asks for none. */
  async header(scopes: string[]): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      const cred = await this.credential();
      return cred ? `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}` : undefined;
    }
    if (c.scheme !== 'bearer') return undefined;
    const key = [...new Set(scopes)].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expires > Date.now()) return `Bearer ${t.token}`;
      this.tokens.delete(key);
    }
    const pending = this.fetchToken(c, [...new Set(scopes)].sort());
    this.tokens.set(key, pending);
    pending.catch(() => this.tokens.delete(key));
    return `Bearer ${(await pending).token}`;
  }

  /** Forgets cached tokens (after a 401 that a fresh token may cure). */
  forget(): void {
    this.tokens.clear();
  }

  private async fetchToken(c: Challenge, scopes: string[]): Promise<CachedToken> {
    const realm = c.params.realm;
    if (!realm) throw new BerthError('Unauthorized', 'the registry asked for a bearer token but named no realm');
    const url = new URL(realm);
    if (c.params.service) url.searchParams.set('service', c.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const cred = await this.credential();
    const headers: Record<string, string> = {};
    if (cred) {
      url.searchParams.set('account', cred.username);
      headers.Authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    }
    const started = Date.now();
    const res = await this.http.request({ method: 'GET', url, headers });
    const body = await readBody(res, 1 << 20);
    if (res.status !== 200) {
      throw new BerthError(res.status === 401 || res.status === 403 ? 'Unauthorized' : 'Unavailable', `Get "${realm}": ${describeErrorBody(res.status, body)}`);
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      throw new BerthError('Unavailable', `the token server at ${realm} answered something that is not JSON`);
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    if (!token) throw new BerthError('Unavailable', `the token server at ${realm} answered without a token`);
    // Docker's minimum lifetime is 60 s; renew 10 s early so a long pull never sends a stale one.
    const lifetime = typeof doc.expires_in === 'number' && doc.expires_in > 60 ? doc.expires_in : 60;
    return { token, expires: started + (lifetime - 10) * 1000 };
  }
}
