// `berth stats`: containers' resource usage, with docker/cli's formulas and units. CPU % needs
// two readings: the first line comes a second after the first reading, as Docker's does.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError, isKind } from '../../../errdefs/index.ts';
import type { ContainerService } from '../../../engine/index.ts';
import { bytesSize, humanSize, renderList, truncateId } from '../../format/index.ts';

type ContainerStats = Awaited<ReturnType<ContainerService['stats']>>;

const HEADERS: Record<string, string> = {
  Container: 'CONTAINER', ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %',
  NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};
const DEFAULT_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const INTERVAL_MS = 1000;

interface Target {
  /** What the user named (or the ID when listing all): the `.Container` column. */
  shown: string;
  id: string;
  name: string;
}

/** A reading: the stats of a running container, "stopped" (Docker shows zeros) or "gone" (removed meanwhile: "--"). */
type Reading = ContainerStats | 'stopped' | 'gone';

/** One line of output; keys in the order Go's JSON of docker/cli's stats context gives them. */
export interface StatsRow {
  BlockIO: string;
  CPUPerc: string;
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs: string;
}

const percent = (v: number): string => `${v.toFixed(2)}%`;

/** docker/cli's calculateCPUPercentUnix: the container's share of the host's CPU time between two readings, times the CPUs. */
export function cpuPercent(cur: ContainerStats['cpu_stats'], prev: ContainerStats['cpu_stats']): number {
  const cpuDelta = cur.cpu_usage.total_usage - prev.cpu_usage.total_usage;
  const systemDelta = (cur.system_cpu_usage ?? 0) - (prev.system_cpu_usage ?? 0);
  const cpus = cur.online_cpus || cur.cpu_usage.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** docker/cli's memory use: usage without the page cache that could be dropped (v1 total_inactive_file, v2 inactive_file). */
export function memoryUsed(mem: ContainerStats['memory_stats']): number {
  const usage = mem.usage ?? 0;
  const v1 = mem.stats?.total_inactive_file;
  if (v1 !== undefined) return v1 < usage ? usage - v1 : usage;
  const v2 = mem.stats?.inactive_file ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

export function statsRow(target: Target, reading: Reading, previous: Reading | undefined, noTrunc: boolean): StatsRow {
  const row = (BlockIO: string, CPUPerc: string, MemPerc: string, MemUsage: string, NetIO: string, PIDs: string): StatsRow => ({
    BlockIO, CPUPerc, Container: target.shown, ID: noTrunc ? target.id : truncateId(target.id), MemPerc, MemUsage, Name: target.name || '--', NetIO, PIDs,
  });
  if (reading === 'gone') return row('--', '--', '--', '-- / --', '--', '--');
  if (reading === 'stopped') return row('0B / 0B', '0.00%', '0.00%', '0B / 0B', '0B / 0B', '0');
  const prevCpu = previous !== undefined && typeof previous !== 'string' ? previous.cpu_stats : reading.precpu_stats;
  const used = memoryUsed(reading.memory_stats);
  const limit = reading.memory_stats.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(reading.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  let blkRead = 0;
  let blkWrite = 0;
  for (const e of reading.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op.charAt(0).toLowerCase();
    if (op === 'r') blkRead += e.value;
    else if (op === 'w') blkWrite += e.value;
  }
  return row(
    `${humanSize(blkRead)} / ${humanSize(blkWrite)}`,
    percent(cpuPercent(reading.cpu_stats, prevCpu)),
    percent(limit !== 0 ? (used / limit) * 100 : 0),
    `${bytesSize(used)} / ${bytesSize(limit)}`,
    `${humanSize(rx)} / ${humanSize(tx)}`,
    String(reading.pids_stats.current ?? 0),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const command: Command = {
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'no-stream', type: 'bool', help: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const containers = engine.containers;
    const noTrunc = flags['no-trunc'] === true;
    const noStream = flags['no-stream'] === true;

    // Named containers are looked up once (an unknown one is an error, as Docker's); without names, the list follows what runs.
    let named: Target[] | undefined;
    if (args.length > 0) {
      const errors: string[] = [];
      named = [];
      for (const ref of args) {
        try {
          const rec = await containers.get(ref);
          named.push({ shown: ref, id: rec.Id, name: rec.Name });
        } catch (err) {
          if (!(err instanceof BerthError)) throw err;
          errors.push(`Error response from daemon: ${err.message}`);
        }
      }
      if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
    }
    const targets = async (): Promise<Target[]> =>
      named ?? (await containers.list({ all: flags.all === true })).map((c) => ({ shown: noTrunc ? c.Id : truncateId(c.Id), id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, '') }));
    const read = async (list: Target[]): Promise<Map<string, Reading>> =>
      new Map(await Promise.all(list.map(async (t): Promise<[string, Reading]> => {
        try {
          return [t.id, await containers.stats(t.id)];
        } catch (err) {
          if (isKind(err, 'Conflict')) return [t.id, 'stopped'];
          if (isKind(err, 'NotFound')) return [t.id, 'gone'];
          throw err;
        }
      })));

    const tty = process.stdout.isTTY === true;
    // A reader that went away (`stats | head`) ends the stream instead of failing the next write.
    let closed = false;
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed = true;
    });
    let list = await targets();
    let previous = await read(list);
    let first = true;
    while (true) {
      // The first reading only primes the CPU counters; nothing to wait for when nothing runs.
      if (!first || [...previous.values()].some((r) => typeof r !== 'string')) await sleep(INTERVAL_MS);
      if (closed) return;
      list = await targets();
      const current = await read(list);
      const rows = list.map((t) => statsRow(t, current.get(t.id) ?? 'gone', previous.get(t.id), noTrunc));
      const text = renderList(rows, { format: flags.format as string | undefined, defaultTable: DEFAULT_TABLE, headers: HEADERS });
      if (noStream || !tty) ctx.out(text);
      // On a terminal, redraw in place: home, each line erased to its end, then the rest of the screen.
      else ctx.out(`${first ? '\x1b[2J' : ''}\x1b[H${text.split('\n').join('\x1b[K\n')}\x1b[J`);
      if (noStream || closed) return;
      previous = current;
      first = false;
    }
  },
};
