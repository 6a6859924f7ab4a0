// `berth system df [-v]`, shaped like `docker system df` (docker/cli's formatter/disk_usage.go),
// over the same disk usage the API's /system/df serves.
import type { Command } from '../../command.ts';
import { renderList, humanSize, humanDuration, truncateId } from '../../format/index.ts';
import { familiarName } from '../../../image/index.ts';

/** docker/cli's disk usage sizes: go-units HumanSize (four significant digits). */
const size = (n: number): string => humanSize(n, 4);

/** docker/cli's reclaimable text: the size, and its share of the total when there is one. */
function reclaimable(part: number, whole: number): string {
  return whole > 0 ? `${size(part)} (${Math.floor((part * 100) / whole)}%)` : size(part);
}

const ago = (ms: number): string => `${humanDuration(Date.now() - ms)} ago`;

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Show berth disk usage',
  maxArgs: 0,
  flags: [
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'verbose', short: 'v', type: 'bool', help: 'Show detailed information on space usage' },
  ],
  async run(ctx, flags) {
    const engine = await ctx.engine();
    const du = await engine.system.diskUsage();
    const images = du.Images ?? [];
    const containers = du.Containers ?? [];
    const volumes = du.Volumes ?? [];
    const active = (state: string): boolean => state === 'running' || state === 'paused' || state === 'restarting';
    const imagesUsed = images.filter((i) => i.Containers > 0).reduce((n, i) => n + i.Size - Math.max(0, i.SharedSize), 0);
    const containersSize = containers.reduce((n, c) => n + c.SizeRw, 0);
    const volumesSize = volumes.reduce((n, v) => n + v.UsageData.Size, 0);
    const rows = [
      { Type: 'Images', TotalCount: String(images.length), Active: String(images.filter((i) => i.Containers > 0).length), Size: size(du.LayersSize), Reclaimable: reclaimable(du.LayersSize - imagesUsed, du.LayersSize) },
      { Type: 'Containers', TotalCount: String(containers.length), Active: String(containers.filter((c) => active(c.State)).length), Size: size(containersSize), Reclaimable: reclaimable(containers.filter((c) => !active(c.State)).reduce((n, c) => n + c.SizeRw, 0), containersSize) },
      { Type: 'Local Volumes', TotalCount: String(volumes.length), Active: String(volumes.filter((v) => v.UsageData.RefCount > 0).length), Size: size(volumesSize), Reclaimable: reclaimable(volumes.filter((v) => v.UsageData.RefCount === 0).reduce((n, v) => n + v.UsageData.Size, 0), volumesSize) },
      { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
    ];
    if (flags.verbose !== true) {
      const headers = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
      ctx.out(renderList(rows, { format: flags.format as string | undefined, defaultTable: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}', headers }));
      return;
    }
    const usage = await engine.system.df();
    const layerUsage = new Map(usage.images.map((u) => [u.id as string, u]));
    const imageRows = images.flatMap((img) => {
      const names = img.RepoTags.length > 0 ? img.RepoTags.map(familiarName) : ['<none>:<none>'];
      const u = layerUsage.get(img.Id);
      return names.map((n) => {
        const colon = n.lastIndexOf(':');
        return {
          Repository: n.slice(0, colon),
          Tag: n.slice(colon + 1),
          ID: truncateId(img.Id),
          CreatedSince: ago(img.Created * 1000),
          Size: size(img.Size),
          SharedSize: size(u?.sharedSize ?? 0),
          UniqueSize: size(u?.uniqueSize ?? img.Size),
          Containers: String(img.Containers),
        };
      });
    });
    const imageHeaders = { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS' };
    ctx.out('Images space usage:\n\n');
    ctx.out(renderList(imageRows, { defaultTable: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}', headers: imageHeaders }));
    ctx.out(`\nLayers space usage:\n\n${usage.layers.total} layers, ${usage.layers.shared} shared by more than one image, ${size(usage.layers.size)} in all\n`);
    const containerRows = containers.map((c) => {
      const command = c.Command.length > 20 ? `${c.Command.slice(0, 19)}…` : c.Command;
      const local = c.Mounts.filter((m) => (m as { Type?: string }).Type === 'volume').length;
      return { ID: truncateId(c.Id), Image: c.Image, Command: `"${command}"`, LocalVolumes: String(local), Size: size(c.SizeRw), RunningFor: ago(c.Created * 1000), Status: c.Status, Names: (c.Names[0] ?? '').replace(/^\//, '') };
    });
    const containerHeaders = { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES' };
    ctx.out('\nContainers space usage:\n\n');
    ctx.out(renderList(containerRows, { defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}', headers: containerHeaders }));
    const volumeRows = volumes.map((v) => ({ Name: v.Name, Links: String(v.UsageData.RefCount), Size: size(v.UsageData.Size) }));
    ctx.out('\nLocal Volumes space usage:\n\n');
    ctx.out(renderList(volumeRows, { defaultTable: 'table {{.Name}}\t{{.Links}}\t{{.Size}}', headers: { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' } }));
    ctx.out('\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n');
  },
};
