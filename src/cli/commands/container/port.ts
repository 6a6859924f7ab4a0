// `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published ports.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';

export const command: Command = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  minArgs: 1,
  maxArgs: 2,
  flags: [],
  async run(ctx, _flags, args) {
    const info = (await (await ctx.engine()).containers.inspect(args[0] as string)) as { Name: string; NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[]> } };
    const ports = info.NetworkSettings.Ports ?? {};
    const wanted = args[1];
    if (wanted !== undefined) {
      const key = wanted.includes('/') ? wanted : `${wanted}/tcp`;
      const bindings = ports[key];
      if (!bindings || bindings.length === 0) throw new StatusError(1, `Error: No public port '${key}' published for ${info.Name.replace(/^\//, '')}`);
      ctx.out(bindings.map((b) => `${b.HostIp}:${b.HostPort}\n`).join(''));
      return;
    }
    const keys = Object.keys(ports).sort((a, b) => Number(a.split('/')[0]) - Number(b.split('/')[0]));
    ctx.out(keys.flatMap((k) => (ports[k] ?? []).map((b) => `${k} -> ${b.HostIp}:${b.HostPort}\n`)).join(''));
  },
};
