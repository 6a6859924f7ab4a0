// `berth system df [-v]`, shaped like `docker system df`.
import type { Command } from '../../command.ts';
import { renderList, humanSize, humanDuration, truncateId } from '../../format/index.ts';
import { familiarName } from '../../../image/index.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Show berth disk usage',
  maxArgs: 0,
  flags: [
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'verbose', short: 'v', type: 'bool', help: 'Show detailed information on space usage' },
  ],
  async run(ctx, flags) {
    const usage = await (await ctx.engine()).system.df();
    const pct = (part: number, whole: number): string => (whole === 0 ? '' : ` (${Math.round((part / whole) * 100)}%)`);
    // Without containers every image is reclaimable; ACTIVE counts images in use (none yet).
    const rows = [
      { Type: 'Images', TotalCount: String(usage.images.length), Active: '0', Size: humanSize(usage.totalSize), Reclaimable: `${humanSize(usage.totalSize)}${pct(usage.totalSize, usage.totalSize)}` },
      { Type: 'Containers', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
      { Type: 'Local Volumes', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
      { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
    ];
    if (flags.verbose !== true) {
      const headers = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
      ctx.out(renderList(rows, { format: flags.format as string | undefined, defaultTable: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}', headers }));
      return;
    }
    const imageRows = usage.images.flatMap((img) => {
      const names = img.names.length > 0 ? img.names.map(familiarName) : ['<none>:<none>'];
      return names.map((n) => {
        const colon = n.lastIndexOf(':');
        return {
          Repository: n.slice(0, colon),
          Tag: n.slice(colon + 1),
          ID: truncateId(img.id),
          CreatedSince: `${humanDuration(Date.now() - Date.parse(img.created))} ago`,
          Size: humanSize(img.size),
          SharedSize: humanSize(img.sharedSize),
          UniqueSize: humanSize(img.uniqueSize),
          Containers: '0',
        };
      });
    });
    const headers = { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS' };
    ctx.out('Images space usage:\n\n');
    ctx.out(renderList(imageRows, { defaultTable: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}', headers }));
    ctx.out(`\nLayers space usage:\n\n${usage.layers.total} layers, ${usage.layers.shared} shared by more than one image, ${humanSize(usage.layers.size)} in all\n`);
    ctx.out('\nContainers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n');
    ctx.out('\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n');
    ctx.out('\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n');
  },
};
