// GET /events: the engine's events as a stream of JSON objects (moby's system router), past ones
// first when `since`/`until` ask for them, then new ones until `until` or the client leaves.
import { once } from 'node:events';
import { invalidArgument } from '../../../errdefs/index.ts';
import type { Route } from '../router.ts';
import { queryFilters } from '../request.ts';

/** Docker's timestamps on the wire: seconds since the epoch with up to nine decimals. Returns ms. */
function eventTime(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (!m) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(v)}: a timestamp is seconds since the epoch, with up to nine decimals`);
  return Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(9, '0')) / 1e6;
}

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/events',
    handler: async (req, reply, { engine }) => {
      const since = eventTime(req.query, 'since');
      const until = eventTime(req.query, 'until');
      if (since !== undefined && until !== undefined && until < since) {
        throw invalidArgument(`\`since\` time (${req.query.get('since')}) cannot be after \`until\` time (${req.query.get('until')})`);
      }
      const events = engine.events.watch({ since, until, filters: queryFilters(req.query), signal: req.signal });
      // Headers go out at once: a client waits for them before it shows anything.
      const res = reply.stream(200, 'application/json');
      for await (const e of events) {
        if (req.signal.aborted) break;
        if (!res.write(`${JSON.stringify(e)}\n`)) await once(res, 'drain', { signal: req.signal }).catch(() => undefined);
      }
      res.end();
    },
  },
];
