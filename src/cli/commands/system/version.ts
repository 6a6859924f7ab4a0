// `berth version`.
import { createRequire } from 'node:module';
import type { Command } from '../../command.ts';
import { compileTemplate } from '../../format/index.ts';

export const version: string = (createRequire(import.meta.url)('../../../../../package.json') as { version: string }).version;

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Show the berth version information',
  maxArgs: 0,
  flags: [{ name: 'format', short: 'f', type: 'string', value: 'string', help: 'Format the output using the given Go template' }],
  async run(ctx, flags) {
    const info = {
      Client: { Version: version, ApiVersion: '1.50', GoVersion: `node${process.versions.node}`, Os: process.platform, Arch: process.arch === 'x64' ? 'amd64' : process.arch },
    };
    const format = flags.format as string | undefined;
    if (format) {
      ctx.out(`${compileTemplate(format).execute(info)}\n`);
      return;
    }
    ctx.out(`Client:\n Version:     ${info.Client.Version}\n API version: ${info.Client.ApiVersion}\n Node.js:     ${process.versions.node}\n OS/Arch:     ${info.Client.Os}/${info.Client.Arch}\n`);
  },
};
