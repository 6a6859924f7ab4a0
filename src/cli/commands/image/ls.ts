// `berth images` / `berth image ls`, shaped like `docker images`.
import type { Command } from '../../command.ts';
import { filterFlags } from '../../../engine/index.ts';
import type { ImageSummary } from '../../../engine/index.ts';
import { renderList, humanSize, humanDuration, truncateId, goTime } from '../../format/index.ts';

const HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
  Containers: 'CONTAINERS',
};

/** One row per repository:tag, as docker/cli's image formatter expands an image. */
export function imageRows(images: ImageSummary[], opts: { noTrunc: boolean; digests: boolean }): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (const img of images) {
    const id = opts.noTrunc ? img.Id : truncateId(img.Id);
    const base = {
      Containers: img.Containers < 0 ? 'N/A' : String(img.Containers),
      CreatedAt: goTime(new Date(img.Created * 1000)),
      CreatedSince: `${humanDuration(Date.now() - img.Created * 1000)} ago`,
      ID: id,
      SharedSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize),
      Size: humanSize(img.Size),
      UniqueSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize),
      VirtualSize: humanSize(img.VirtualSize ?? img.Size),
    };
    const digestsByRepo = new Map<string, string[]>();
    for (const d of img.RepoDigests) {
      const at = d.lastIndexOf('@');
      const list = digestsByRepo.get(d.slice(0, at)) ?? [];
      list.push(d.slice(at + 1));
      digestsByRepo.set(d.slice(0, at), list);
    }
    const tags = img.RepoTags.filter((t) => t !== '<none>:<none>');
    if (tags.length === 0) {
      const firstDigest = img.RepoDigests[0];
      const repo = firstDigest ? firstDigest.slice(0, firstDigest.lastIndexOf('@')) : '<none>';
      rows.push({ ...base, Repository: repo, Tag: '<none>', Digest: firstDigest ? firstDigest.slice(firstDigest.lastIndexOf('@') + 1) : '<none>' });
      continue;
    }
    for (const t of tags) {
      const colon = t.lastIndexOf(':');
      const repo = t.slice(0, colon);
      rows.push({ ...base, Repository: repo, Tag: t.slice(colon + 1), Digest: digestsByRepo.get(repo)?.[0] ?? '<none>' });
    }
  }
  return rows;
}

export const command: Command = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  maxArgs: 1,
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', help: 'Show digests' },
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only show image IDs' },
  ],
  async run(ctx, flags, args) {
    const filters = filterFlags(flags.filter as string[]);
    if (args[0] !== undefined) (filters.reference ??= []).push(args[0]);
    const engine = await ctx.engine();
    const images = await engine.images.list({ all: flags.all === true, filters });
    const noTrunc = flags['no-trunc'] === true;
    if (flags.quiet === true) {
      const ids = [...new Set(images.map((i) => (noTrunc ? i.Id : truncateId(i.Id))))];
      ctx.out(ids.map((id) => `${id}\n`).join(''));
      return;
    }
    const digests = flags.digests === true;
    const defaultTable = `table {{.Repository}}\t{{.Tag}}${digests ? '\t{{.Digest}}' : ''}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
    ctx.out(renderList(imageRows(images, { noTrunc, digests }), { format: flags.format as string | undefined, defaultTable, headers: HEADERS }));
  },
};
