// `berth import file|URL|-|DIR [REPOSITORY[:TAG]]`.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Command } from '../../command.ts';
import { invalidArgument, errnoCode, notFound } from '../../../errdefs/index.ts';

async function openSource(src: string): Promise<Readable | { directory: string }> {
  if (src === '-') return process.stdin;
  if (/^https?:\/\//.test(src)) {
    const res = await fetch(src).catch((err: unknown) => {
      throw invalidArgument(`import: cannot fetch ${src}: ${(err as Error).message}`);
    });
    if (!res.ok || !res.body) throw invalidArgument(`import: fetching ${src} failed: HTTP ${res.status}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  const st = await stat(src).catch((err: unknown) => {
    throw errnoCode(err) === 'ENOENT' ? notFound(`open ${src}: no such file or directory`) : err;
  });
  return st.isDirectory() ? { directory: src } : createReadStream(src, { highWaterMark: 1 << 20 });
}

export const command: Command = {
  usage: '[OPTIONS] file|URL|-|DIRECTORY [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball (or a directory) to create a filesystem image',
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { name: 'change', short: 'c', type: 'list', value: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', type: 'string', value: 'string', help: 'Set commit message for imported image' },
    { name: 'platform', type: 'string', value: 'string', help: 'Set platform if server is multi-platform capable' },
  ],
  async run(ctx, flags, args) {
    const src = args[0] as string;
    const engine = await ctx.engine();
    const id = await engine.images.import(await openSource(src), {
      reference: args[1],
      changes: flags.change as string[],
      message: flags.message as string | undefined,
      platform: flags.platform as string | undefined,
      sourceName: src === '-' ? '-' : src,
    });
    ctx.out(`${id}\n`);
  },
};
