// Routes as dockerd's routers declare them: a method and a path template with {name} parameters
// (a {name} may hold slashes only where it ends the template, as image names do: /images/{name}/json
// is matched by trying the fixed suffix first).
import { invalidArgument } from '../../errdefs/index.ts';
import type { Engine } from '../../engine/index.ts';
import type { ApiRequest } from './request.ts';
import type { ApiReply } from './reply.ts';
import type { DaemonState } from './state.ts';

export interface RouteContext {
  engine: Engine;
  state: DaemonState;
}

export type Handler = (req: ApiRequest, reply: ApiReply, ctx: RouteContext) => Promise<void>;

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: Handler;
}

interface Compiled {
  route: Route;
  re: RegExp;
  names: string[];
}

export class Router {
  private readonly compiled: Compiled[] = [];

  add(routes: Route[]): this {
    for (const route of routes) {
      const names: string[] = [];
      // A parameter matches one path segment, except a {name} that image names fill (they hold slashes).
      const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, n: string) => {
        names.push(n);
        return n === 'name' && route.path.startsWith('/images/') || n === 'name' && route.path.startsWith('/distribution/') ? '(.+)' : '([^/]+)';
      });
      this.compiled.push({ route, re: new RegExp(`^${pattern}/?$`), names });
    }
    return this;
  }

  /** The route and parameters for a request; `methods` lists what the path allows when the method does not match. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | { methods: string[] } {
    const found = this.find(method, path) ?? (method === 'HEAD' ? this.find('GET', path) : undefined);
    if (found) return found;
    return { methods: this.compiled.filter((c) => c.re.test(path)).map((c) => c.route.method) };
  }

  private find(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue;
      const m = c.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => (params[n] = decodeParam(m[i + 1] as string)));
      return { route: c.route, params };
    }
    return undefined;
  }
}

function decodeParam(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidArgument(`invalid escape in the request path: ${JSON.stringify(text)}`);
  }
}
