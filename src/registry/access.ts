// Who may do what: open (no auth), htpasswd users with HTTP basic auth, or bearer tokens that the
// registry issues itself at /token (Docker's token protocol: scopes per repository and action),
// with anonymous pulls allowed or not. Passwords are bcrypt hashes (htpasswd -B); a verified
// user:password pair is remembered, so bcrypt's cost is paid once per client, not per request.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import bcrypt from 'bcryptjs';

export interface AccessOptions {
  /** An htpasswd file of bcrypt hashes; without it, everyone may do everything. */
  htpasswd?: string;
  /** Issue and demand bearer tokens instead of basic auth. */
  tokens?: boolean;
  /** Let requests without credentials pull. */
  anonymousRead?: boolean;
}

/** What a request needs: `repository:NAME:ACTIONS`, `registry:catalog:*`, or only to be someone. */
export interface Need {
  type: 'repository' | 'registry' | 'base';
  name: string;
  actions: string[];
}

export type Decision = { allowed: true } | { allowed: false; status: 401 | 403; challenge?: string; code: 'UNAUTHORIZED' | 'DENIED' };

const SERVICE = 'berth-registry';
const TOKEN_LIFETIME_S = 300;

interface Grant {
  type: string;
  name: string;
  actions: string[];
}

export class AccessControl {
  private readonly users: Map<string, string>;
  private readonly opts: AccessOptions;
  private readonly secret = randomBytes(32);
  private readonly verified = new Set<string>();

  private constructor(users: Map<string, string>, opts: AccessOptions) {
    this.users = users;
    this.opts = opts;
  }

  static async load(opts: AccessOptions): Promise<AccessControl | undefined> {
    if (!opts.htpasswd) return undefined;
    const users = new Map<string, string>();
    for (const line of (await readFile(opts.htpasswd, 'utf8')).split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const hash = line.slice(colon + 1).trim();
      if (!/^\$2[aby]\$/.test(hash)) throw new Error(`${opts.htpasswd}: the entry for ${line.slice(0, colon)} is not a bcrypt hash (make it with htpasswd -B)`);
      users.set(line.slice(0, colon), hash.replace(/^\$2y\$/, '$2a$'));
    }
    return new AccessControl(users, opts);
  }

  /** The user a basic Authorization header proves, or undefined. */
  private async basicUser(header: string | undefined): Promise<string | undefined> {
    const m = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
    if (!m) return undefined;
    const text = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) return undefined;
    const user = text.slice(0, colon);
    const hash = this.users.get(user);
    if (!hash) return undefined;
    const key = createHash('sha256').update(text).digest('hex');
    if (this.verified.has(key)) return user;
    if (!(await bcrypt.compare(text.slice(colon + 1), hash))) return undefined;
    this.verified.add(key);
    return user;
  }

  /** What this request may do, or the 401/403 (with the challenge) to answer. */
  async decide(req: IncomingMessage, need: Need): Promise<Decision> {
    const anonymousOk = this.opts.anonymousRead === true && need.actions.every((a) => a === 'pull') && need.type !== 'registry';
    const challenge = this.challenge(req, need);
    const header = req.headers.authorization;
    if (!this.opts.tokens) {
      if ((await this.basicUser(header)) !== undefined || (anonymousOk && !header)) return { allowed: true };
      return { allowed: false, status: 401, challenge, code: 'UNAUTHORIZED' };
    }
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const grants = m ? this.verifyToken(m[1] as string) : undefined;
    if (!grants) return anonymousOk && !header ? { allowed: true } : { allowed: false, status: 401, challenge, code: 'UNAUTHORIZED' };
    if (need.type === 'base' || covers(grants, need)) return { allowed: true };
    return { allowed: false, status: 401, challenge: `${challenge},error="insufficient_scope"`, code: 'UNAUTHORIZED' };
  }

  private challenge(req: IncomingMessage, need: Need): string {
    if (!this.opts.tokens) return `Basic realm="${SERVICE}"`;
    const proto = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
    const scope = need.type === 'base' ? '' : `,scope="${need.type}:${need.name}:${need.actions.join(',')}"`;
    return `Bearer realm="${proto}://${req.headers.host ?? 'localhost'}/token",service="${SERVICE}"${scope}`;
  }

  /** GET /token?service=&scope=...: a token granting what the (basic-authenticated) caller may have. */
  async issueToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const header = req.headers.authorization;
    const user = await this.basicUser(header);
    if (header && !user) {
      const body = JSON.stringify({ details: 'incorrect username or password' });
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': `Basic realm="${SERVICE}"` }).end(body);
      return;
    }
    const grants: Grant[] = [];
    for (const scope of url.searchParams.getAll('scope').flatMap((s) => s.split(' '))) {
      const m = /^([a-z]+):(.+):([a-z*,]+)$/.exec(scope);
      if (!m) continue;
      const wanted = (m[3] as string).split(',');
      // A user gets what they ask for; anonymous callers only pull, and only where allowed.
      const actions = user ? wanted : this.opts.anonymousRead && m[1] === 'repository' ? wanted.filter((a) => a === 'pull') : [];
      if (actions.length > 0) grants.push({ type: m[1] as string, name: m[2] as string, actions });
    }
    const now = Math.floor(Date.now() / 1000);
    const token = this.sign({ iss: SERVICE, sub: user ?? '', aud: url.searchParams.get('service') ?? SERVICE, iat: now, nbf: now - 1, exp: now + TOKEN_LIFETIME_S, jti: randomBytes(8).toString('hex'), access: grants });
    const body = JSON.stringify({ token, access_token: token, expires_in: TOKEN_LIFETIME_S, issued_at: new Date(now * 1000).toISOString() });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  }

  private sign(claims: object): string {
    const part = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
    return `${unsigned}.${createHmac('sha256', this.secret).update(unsigned).digest('base64url')}`;
  }

  /** The grants of a token this registry signed and that has not expired; undefined otherwise. */
  private verifyToken(token: string): Grant[] | undefined {
    const [head, body, sig] = token.split('.');
    if (!head || !body || !sig) return undefined;
    const want = createHmac('sha256', this.secret).update(`${head}.${body}`).digest();
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { exp?: number; access?: Grant[] };
    if (typeof claims.exp !== 'number' || claims.exp < Date.now() / 1000) return undefined;
    return Array.isArray(claims.access) ? claims.access : [];
  }
}

function covers(grants: Grant[], need: Need): boolean {
  return need.actions.every((a) => grants.some((g) => g.type === need.type && g.name === need.name && (g.actions.includes(a) || g.actions.includes('*'))));
}
