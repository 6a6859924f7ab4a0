// `berth load [-i FILE]`: docker-archive or oci-archive, from a file or stdin.
import type { Command } from '../../command.ts';
import { invalidArgument, errnoCode, notFound } from '../../../errdefs/index.ts';
import { open } from 'node:fs/promises';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Load an image from a tar archive or STDIN',
  maxArgs: 0,
  flags: [
    { name: 'input', short: 'i', type: 'string', value: 'string', help: 'Read from tar archive file, instead of STDIN' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress the load output' },
  ],
  async run(ctx, flags) {
    const file = flags.input as string | undefined;
    let input;
    if (file !== undefined && file !== '-') {
      const fh = await open(file, 'r').catch((err: unknown) => {
        throw errnoCode(err) === 'ENOENT' ? notFound(`open ${file}: no such file or directory`) : err;
      });
      input = fh.createReadStream({ highWaterMark: 1 << 20 });
    } else {
      if (process.stdin.isTTY) throw invalidArgument('requested load from stdin, but stdin is empty');
      input = process.stdin;
    }
    const loaded = await (await ctx.engine()).images.load(input);
    if (flags.quiet === true) return;
    for (const img of loaded) {
      if (img.names.length === 0) ctx.out(`Loaded image ID: ${img.id}\n`);
      for (const n of img.names) ctx.out(`Loaded image: ${n}\n`);
    }
  },
};
