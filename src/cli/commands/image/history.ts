// `berth history IMAGE`, shaped like `docker history`.
import type { Command } from '../../command.ts';
import { renderList, humanSize, humanDuration, truncateId, goTime } from '../../format/index.ts';

const HEADERS = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

export const command: Command = {
  usage: '[OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
    { name: 'human', short: 'H', type: 'bool', default: true, help: 'Print sizes and dates in human readable format' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only show image IDs' },
  ],
  async run(ctx, flags, args) {
    const items = await (await ctx.engine()).images.history(args[0] as string);
    const noTrunc = flags['no-trunc'] === true;
    const human = flags.human !== false;
    if (flags.quiet === true) {
      ctx.out(items.map((i) => `${noTrunc || i.Id === '<missing>' ? i.Id : truncateId(i.Id)}\n`).join(''));
      return;
    }
    const rows = items.map((i) => {
      const createdBy = i.CreatedBy.replace(/\s+/g, ' ');
      return {
        ID: noTrunc || i.Id === '<missing>' ? i.Id : truncateId(i.Id),
        CreatedSince: human ? `${humanDuration(Date.now() - i.Created * 1000)} ago` : goTime(new Date(i.Created * 1000)),
        CreatedAt: goTime(new Date(i.Created * 1000)),
        CreatedBy: noTrunc || createdBy.length <= 45 ? createdBy : `${createdBy.slice(0, 44)}…`,
        Size: human ? humanSize(i.Size) : String(i.Size),
        Comment: i.Comment,
      };
    });
    ctx.out(renderList(rows, { format: flags.format as string | undefined, defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}', headers: HEADERS }));
  },
};
