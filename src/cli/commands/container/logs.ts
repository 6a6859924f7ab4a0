// `berth logs`: the container's output as conmon logged it.
import type { Command } from '../../command.ts';
import { UsageError } from '../../args.ts';

/** Docker's --since/--until: a duration ago ("10m"), a Unix timestamp, or an RFC 3339 time. */
export function timeArg(v: string, now = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (d) return (now - Number(d[1]) * ({ ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 }[d[2] as 'ns'])) / 1000;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`invalid value for "since": "${v}" is not a duration, a Unix timestamp or an RFC 3339 time`);
  return t / 1000;
}

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'follow', short: 'f', type: 'bool', help: 'Follow log output' },
    { name: 'tail', short: 'n', type: 'string', value: 'string', help: 'Number of lines to show from the end of the logs (default "all")' },
    { name: 'since', type: 'string', value: 'string', help: 'Show logs since timestamp or relative (e.g. 42m for 42 minutes)' },
    { name: 'until', type: 'string', value: 'string', help: 'Show logs before a timestamp or relative (e.g. 42m for 42 minutes)' },
    { name: 'timestamps', short: 't', type: 'bool', help: 'Show timestamps' },
    { name: 'details', type: 'bool', help: 'Show extra details provided to logs' },
  ],
  async run(ctx, flags, args) {
    const tailText = flags.tail as string | undefined;
    if (tailText !== undefined && tailText !== 'all' && !/^-?\d+$/.test(tailText)) throw new UsageError(`invalid value for "tail": ${tailText}`);
    const tail = tailText === undefined || tailText === 'all' || Number(tailText) < 0 ? undefined : Number(tailText);
    const engine = await ctx.engine();
    const entries = engine.containers.logs(args[0] as string, {
      follow: flags.follow === true,
      tail,
      since: flags.since ? timeArg(flags.since as string) : undefined,
      until: flags.until ? timeArg(flags.until as string) : undefined,
    });
    const stamps = flags.timestamps === true;
    for await (const e of entries) {
      const text = stamps ? Buffer.concat([Buffer.from(`${e.time.replace(/\+00:00$/, 'Z')} `), e.data]) : e.data;
      (e.stream === 'stderr' ? process.stderr : process.stdout).write(text);
    }
  },
};
