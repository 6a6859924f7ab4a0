// Registry routes that pull nothing: POST /auth (check a login with the registry; the client keeps
// the credentials, the daemon stores none) and GET /distribution/{name}/json (a registry image's
// descriptor and platforms).
import { BerthError, invalidArgument, isKind } from '../../../errdefs/index.ts';
import { readBody } from '../request.ts';
import type { Route } from '../router.ts';
import { credentialsOf, lenientAuthHeader, parseAuthConfig, registryAccess } from '../image-auth.ts';

interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** The platform fields of an index entry or an image config, as Docker's distribution inspect lists them. */
function platformOf(v: unknown): Platform | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p = v as Record<string, unknown>;
  if (typeof p.architecture !== 'string' || typeof p.os !== 'string') return undefined;
  return {
    architecture: p.architecture,
    os: p.os,
    ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}),
    ...(typeof p['os.version'] === 'string' && p['os.version'] ? { 'os.version': p['os.version'] } : {}),
    ...(Array.isArray(p['os.features']) ? { 'os.features': p['os.features'].filter((f): f is string => typeof f === 'string') } : {}),
  };
}

export const authRoutes: Route[] = [
  {
    method: 'POST',
    path: '/auth',
    handler: async (req, reply, { engine, state }) => {
      let config;
      try {
        config = parseAuthConfig((await readBody(req, 1 << 20)).toString('utf8'));
      } catch (err) {
        throw invalidArgument(`invalid JSON in the request body: ${(err as Error).message}`);
      }
      const creds = credentialsOf(config) ?? { username: '', password: '' };
      // dockerd answers an unreachable registry with a 500 (only a refused login is a 401).
      const status = await engine.auth.login(config.serveraddress ?? '', creds, registryAccess(state, config)).catch((err: unknown) => {
        throw isKind(err, 'Unavailable') ? new BerthError('Internal', (err as Error).message) : err;
      });
      reply.json(200, { Status: status });
    },
  },
  {
    method: 'GET',
    path: '/distribution/{name}/json',
    handler: async (req, reply, { engine, state }) => {
      const r = await engine.images.inspectRemote(req.params.name as string, registryAccess(state, lenientAuthHeader(req.headers['x-registry-auth'])));
      const manifests = (r.Manifest as { manifests?: unknown } | undefined)?.manifests;
      const platforms = Array.isArray(manifests) ? manifests.map((m) => platformOf((m as { platform?: unknown }).platform)) : [platformOf(r.Config)];
      reply.json(200, {
        Descriptor: { mediaType: r.MediaType, digest: r.Digest, size: r.Size },
        Platforms: platforms.filter((p): p is Platform => p !== undefined),
      });
    },
  },
];
