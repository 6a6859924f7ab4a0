// Streams out of a container: GET /containers/{id}/logs (stdcopy frames unless it has a terminal)
// and GET /containers/{id}/stats (one reading, or one a second until the client leaves).
import type { ServerResponse } from 'node:http';
import type { Engine } from '../../engine/index.ts';
import { invalidArgument } from '../../errdefs/index.ts';
import type { ApiReply } from './reply.ts';
import { queryBool, type ApiRequest } from './request.ts';
import { frame, STDERR, STDOUT } from '../stdcopy.ts';

/** Docker's `since`/`until`: seconds since the epoch, with a fraction ("1700000000.000000001"). */
function timeParam(req: ApiRequest, name: string): number | undefined {
  const v = req.query.get(name);
  if (v === null || v === '' || v === '0') return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw invalidArgument(`invalid value for "${name}": ${JSON.stringify(v)}`);
  return Number(v);
}

function tailParam(req: ApiRequest): number | undefined {
  const v = req.query.get('tail');
  if (v === null || v === '' || v === 'all') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidArgument(`invalid value for "tail": ${JSON.stringify(v)}`);
  const n = Number(v);
  return n < 0 ? undefined : n;
}

/** A log entry's time as dockerd prints it with `timestamps`: UTC, nine fraction digits (RFC3339NanoFixed). */
export function logTimestamp(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  const frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  const utc = m[3] === 'Z' || m[3] === '+00:00' ? (m[1] as string) : new Date(Date.parse(`${m[1] as string}${m[3] as string}`)).toISOString().slice(0, 19);
  return `${utc}.${frac}Z`;
}

export async function containerLogs(req: ApiRequest, reply: ApiReply, engine: Engine): Promise<void> {
  const stdout = queryBool(req.query, 'stdout');
  const stderr = queryBool(req.query, 'stderr');
  if (!stdout && !stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
  const rec = await engine.containers.get(req.params.id as string);
  const tty = rec.Config.Tty;
  const timestamps = queryBool(req.query, 'timestamps');
  const entries = engine.containers.logs(rec.Id, { follow: queryBool(req.query, 'follow'), tail: tailParam(req), since: timeParam(req, 'since'), until: timeParam(req, 'until'), signal: req.signal });
  const res = reply.stream(200, tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
  for await (const e of entries) {
    if (req.signal.aborted) break;
    if (e.stream === 'stdout' ? !stdout : !stderr) continue;
    const data = timestamps ? Buffer.concat([Buffer.from(`${logTimestamp(e.time)} `), e.data]) : e.data;
    res.write(tty ? data : frame(e.stream === 'stdout' ? STDOUT : STDERR, data));
  }
  res.end();
}

type ContainerStats = Awaited<ReturnType<Engine['containers']['stats']>>;

/** A reading with the one before it as `precpu_stats`, from which clients compute the CPU percentage. */
function withPrevious(now: ContainerStats, before: ContainerStats | undefined): ContainerStats {
  return before ? { ...now, preread: before.read, precpu_stats: before.cpu_stats } : now;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

export async function containerStats(req: ApiRequest, reply: ApiReply, engine: Engine): Promise<void> {
  const id = req.params.id as string;
  const stream = req.query.get('stream') === null || queryBool(req.query, 'stream');
  const oneShot = queryBool(req.query, 'one-shot');
  let before = await engine.containers.stats(id);
  if (!stream) {
    // As dockerd: a single reading still carries a previous one (a second earlier) unless one-shot.
    if (!oneShot) {
      await sleep(1000, req.signal);
      const now = await engine.containers.stats(id).catch(() => undefined);
      if (now) {
        reply.json(200, withPrevious(now, before));
        return;
      }
    }
    reply.json(200, before);
    return;
  }
  const res: ServerResponse = reply.stream(200, 'application/json');
  res.write(`${JSON.stringify(before)}\n`);
  while (!req.signal.aborted) {
    await sleep(1000, req.signal);
    if (req.signal.aborted) break;
    // The container stopped: the stream ends, as dockerd's does.
    const now = await engine.containers.stats(id).catch(() => undefined);
    if (!now) break;
    res.write(`${JSON.stringify(withPrevious(now, before))}\n`);
    before = now;
  }
  res.end();
}
