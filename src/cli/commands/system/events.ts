// `berth events`: the engine's events, past ones with --since/--until, then new ones as they
// happen (until --until, or Ctrl-C), printed as `docker events` prints them.
import type { Command } from '../../command.ts';
import { filterFlags, type EngineEvent } from '../../../engine/index.ts';
import { compileTemplate, goJson } from '../../format/index.ts';
import { timeArg } from '../container/logs.ts';

/** docker/cli's line: time (RFC 3339 with nine decimals), type, action, ID, then the attributes sorted by key. */
function eventLine(e: EngineEvent): string {
  const ns = String(e.timeNano).padStart(10, '0');
  const time = `${new Date(Math.floor(e.timeNano / 1e6)).toISOString().slice(0, 19)}.${ns.slice(-9)}Z`;
  const attrs = Object.entries(e.Actor.Attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  return `${time} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length > 0 ? ` (${attrs.join(', ')})` : ''}`;
}

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Get real time events from the server',
  maxArgs: 0,
  flags: [
    { name: 'filter', short: 'f', type: 'list', value: 'filter', help: 'Filter output based on conditions provided' },
    { name: 'format', type: 'string', value: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" },
    { name: 'since', type: 'string', value: 'string', help: 'Show all events created since timestamp' },
    { name: 'until', type: 'string', value: 'string', help: 'Stream events until this timestamp' },
  ],
  async run(ctx, flags) {
    const format = flags.format as string | undefined;
    const template = format && format !== 'json' ? compileTemplate(format) : undefined;
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const events = (await ctx.engine()).events.watch({
      since: flags.since ? timeArg(flags.since as string) * 1000 : undefined,
      until: flags.until ? timeArg(flags.until as string) * 1000 : undefined,
      filters: filterFlags((flags.filter as string[] | undefined) ?? []),
      signal: stop.signal,
    });
    for await (const e of events) ctx.out(`${format === 'json' ? goJson(e) : template ? template.execute(e) : eventLine(e)}\n`);
  },
};
