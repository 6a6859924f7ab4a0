// `berth version`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../../command.ts';
import { compileTemplate } from '../../format/index.ts';

/** berth's package.json, found upwards from this file (compiled to dist/src/… or bundled into dist/cli/). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'berth' && pkg.version) return pkg.version;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export const version: string = packageVersion();

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
