// `berth network ls`.
import type { Command } from '../../command.ts';
import { filterFlags } from '../../../engine/index.ts';
import { renderList, truncateId } from '../../format/index.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'List networks',
  maxArgs: 0,
  flags: [
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: "Provide filter values (e.g. 'driver=bridge')" },
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'no-trunc', type: 'bool', help: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display network IDs' },
  ],
  async run(ctx, flags) {
    const nets = await (await ctx.engine()).networks.list(filterFlags(flags.filter as string[]));
    const id = (n: { Id: string }): string => (flags['no-trunc'] === true ? n.Id : truncateId(n.Id));
    if (flags.quiet === true) {
      ctx.out(nets.map((n) => `${id(n)}\n`).join(''));
      return;
    }
    const rows = nets.map((n) => ({ ID: id(n), Name: n.Name, Driver: n.Driver, Scope: n.Scope, Internal: String(n.Internal === true), IPv6: 'false', CreatedAt: String(n.Created), Labels: Object.entries((n.Labels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',') }));
    ctx.out(renderList(rows, { format: flags.format as string | undefined, defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', headers: { ID: 'NETWORK ID' } }));
  },
};
