// `berth volume ls`.
import type { Command } from '../../command.ts';
import { filterFlags } from '../../../engine/index.ts';
import { renderList } from '../../format/index.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'List volumes',
  maxArgs: 0,
  flags: [
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: "Provide filter values (e.g. 'dangling=true')" },
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display volume names' },
  ],
  async run(ctx, flags) {
    const volumes = await (await ctx.engine()).volumes.list(filterFlags(flags.filter as string[]));
    if (flags.quiet === true) {
      ctx.out(volumes.map((v) => `${v.Name}\n`).join(''));
      return;
    }
    const rows = volumes.map((v) => ({ ...v, Labels: Object.entries(v.Labels).map(([k, x]) => `${k}=${x}`).join(','), Links: 'N/A', Size: 'N/A' }));
    ctx.out(renderList(rows, { format: flags.format as string | undefined, defaultTable: 'table {{.Driver}}\t{{.Name}}', headers: { Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT' } }));
  },
};
