// `berth ps` / `berth container ls`, shaped like `docker ps`.
import type { Command } from '../../command.ts';
import { filterFlags } from '../../../engine/index.ts';
import type { ContainerSummary } from '../../../engine/index.ts';
import { renderList, humanDuration, truncateId, goTime } from '../../format/index.ts';

const HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', CreatedAt: 'CREATED AT', Status: 'STATUS',
  Ports: 'PORTS', Names: 'NAMES', Labels: 'LABELS', State: 'STATE', Networks: 'NETWORKS', Mounts: 'MOUNTS', Size: 'SIZE',
};

function ellipsis(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function containerRows(list: ContainerSummary[], noTrunc: boolean): Record<string, string>[] {
  return list.map((c) => ({
    ID: noTrunc ? c.Id : truncateId(c.Id),
    Image: noTrunc || !c.Image.startsWith('sha256:') ? c.Image : truncateId(c.Image),
    Command: noTrunc ? JSON.stringify(c.Command) : `"${ellipsis(c.Command, 20)}"`,
    RunningFor: `${humanDuration(Date.now() - c.Created * 1000)} ago`,
    CreatedAt: goTime(new Date(c.Created * 1000)),
    Status: c.Status,
    State: c.State,
    Ports: c.Ports.map((p) => `${p.IP}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`).join(', '),
    Names: c.Names.map((n) => n.slice(1)).join(','),
    Labels: Object.entries(c.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    Networks: c.HostConfig.NetworkMode,
    Mounts: '',
    Size: '',
  }));
}

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'List containers',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'last', short: 'n', type: 'int', value: 'int', default: -1, help: 'Show n last created containers (includes all states)' },
    { name: 'latest', short: 'l', type: 'bool', help: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display container IDs' },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes' },
  ],
  async run(ctx, flags) {
    const engine = await ctx.engine();
    const last = flags.last as number;
    const list = await engine.containers.list({
      all: flags.all === true,
      latest: flags.latest === true,
      limit: last > 0 ? last : undefined,
      filters: filterFlags(flags.filter as string[]),
    });
    const noTrunc = flags['no-trunc'] === true;
    if (flags.quiet === true) {
      ctx.out(list.map((c) => `${noTrunc ? c.Id : truncateId(c.Id)}\n`).join(''));
      return;
    }
    const defaultTable = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
    ctx.out(renderList(containerRows(list, noTrunc), { format: flags.format as string | undefined, defaultTable, headers: HEADERS }));
  },
};
