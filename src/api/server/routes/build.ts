// POST /build: the classic builder's protocol, which the docker CLI uses when the daemon does not
// offer BuildKit. The body is the context as a tar; the answer is a JSON stream in the classic
// builder's words ("Step 1/3 : FROM busybox", " ---> 1a2b3c4d5e6f", "Successfully built …").
import type { BuildOptions } from '../../../engine/index.ts';
import { invalidArgument } from '../../../errdefs/index.ts';
import type { ApiRequest } from '../request.ts';
import { queryBool, queryFilters } from '../request.ts';
import type { Route } from '../router.ts';
import { JsonStream } from '../image-stream.ts';
import { renderClassicBuild, runFailureOf } from '../image-build-render.ts';
import { withoutTag } from '../image-names.ts';
import { registryAccess } from '../image-auth.ts';

/** A JSON object of strings in a query parameter (buildargs, labels); null values mean "not set". */
function jsonMap(req: ApiRequest, name: string, what: string): Record<string, string> {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`error reading ${what}: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(`error reading ${what}: json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type map[string]*string`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    if (typeof x !== 'string') throw invalidArgument(`error reading ${what}: json: cannot unmarshal ${typeof x} into Go value of type string`);
    out[k] = x;
  }
  return out;
}

/** A tag as the classic builder reports it: with :latest when it has no tag, without docker.io/library/. */
function shownTag(t: string): string {
  const tagged = withoutTag(t) === t ? `${t}:latest` : t;
  return tagged.replace(/^(?:index\.)?docker\.io\/(?:library\/)?/, '');
}

/** Options the classic protocol has and berth's builder does not carry out: refused when set, not ignored. */
const UNSUPPORTED = ['cachefrom', 'extrahosts', 'shmsize', 'memory', 'memswap', 'cpushares', 'cpusetcpus', 'cpusetmems', 'cpuperiod', 'cpuquota', 'ulimits', 'squash', 'cgroupparent', 'outputs'];

function refuseUnsupported(q: URLSearchParams): void {
  for (const name of UNSUPPORTED) {
    const v = q.get(name);
    // The docker CLI sends most of them, empty or zero, with every build.
    if (v === null || ['', '0', 'false', 'null', '[]', '{}'].includes(v)) continue;
    throw invalidArgument(`the ${name} build option is not supported by berth's builder`);
  }
  const isolation = q.get('isolation');
  if (isolation && isolation !== 'default') throw invalidArgument(`isolation ${isolation} is not supported: berth builds in Linux containers`);
}

export const buildRoutes: Route[] = [
  {
    method: 'POST',
    path: '/build/prune',
    handler: async (req, reply, { engine }) => {
      // berth's build cache keeps no ages or sizes per record: it is pruned whole (`all`: with the step images only it kept).
      const [filter] = Object.keys(queryFilters(req.query));
      if (filter !== undefined) throw invalidArgument(`filter '${filter}' is not supported: berth prunes its build cache whole`);
      const r = await engine.builder.prune({ all: queryBool(req.query, 'all') });
      reply.json(200, { CachesDeleted: r.CachesDeleted.length > 0 ? r.CachesDeleted : null, SpaceReclaimed: r.SpaceReclaimed });
    },
  },
  {
    method: 'POST',
    path: '/build',
    handler: async (req, reply, { engine, state }) => {
      const q = req.query;
      if (q.get('remote')) throw invalidArgument('berth builds from a context sent as the request body only: remote contexts (git, URLs) are not supported');
      if (q.get('version') === '2') throw invalidArgument('BuildKit is not supported by berth\'s daemon: use the classic builder (version=1)');
      refuseUnsupported(q);
      const tags = q.getAll('t').filter((t) => t !== '');
      const quiet = queryBool(q, 'q');
      const opts: BuildOptions = {
        contextDir: '',
        contextTar: req.body,
        dockerfile: q.get('dockerfile') || 'Dockerfile',
        tags,
        target: q.get('target') || undefined,
        buildArgs: jsonMap(req, 'buildargs', 'build args'),
        labels: jsonMap(req, 'labels', 'labels'),
        noCache: queryBool(q, 'nocache'),
        pull: queryBool(q, 'pull'),
        network: q.get('networkmode') || undefined,
        platform: q.get('platform') || undefined,
        signal: req.signal,
        // Base images are pulled with daemon.json's insecure registries and no credentials file of the daemon's.
        registry: registryAccess(state, undefined),
      };
      const out = new JsonStream(reply, req.signal);
      const render = renderClassicBuild(out.text);
      if (!quiet) opts.onEvent = render;
      let id: string;
      try {
        ({ id } = await engine.builder.build(opts));
      } catch (err) {
        const run = runFailureOf(err);
        if (run) {
          // The classic builder's own words for a failed RUN, with its exit code for the CLI to exit with.
          out.end(invalidArgument(`The command '${run.command}' returned a non-zero code: ${run.code}`), run.code);
          return;
        }
        out.end(err);
        return;
      }
      out.write({ aux: { ID: id } });
      if (quiet) out.text(`${id}\n`);
      else {
        out.text(`Successfully built ${id.replace(/^sha256:/, '').slice(0, 12)}\n`);
        for (const t of tags) out.text(`Successfully tagged ${shownTag(t)}\n`);
      }
      out.end();
    },
  },
];
