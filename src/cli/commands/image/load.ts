// `berth load [-i FILE]`: docker-archive or oci-archive, from a file or stdin.
import type { Command } from '../../command.ts';
import { invalidArgument, errnoCode, notFound } from '../../../errdefs/index.ts';
import { open, type FileHandle } from 'node:fs/promises';

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
    let fh: FileHandle | undefined;
    if (file !== undefined && file !== '-') {
      fh = await open(file, 'r').catch((err: unknown) => {
        throw errnoCode(err) === 'ENOENT' ? notFound(`open ${file}: no such file or directory`) : err;
      });
    } else if (process.stdin.isTTY) {
      throw invalidArgument('requested load from stdin, but stdin is empty');
    }
    const engine = await ctx.engine();
    const loaded = await engine.images.load(fh ? { file: fh } : process.stdin).finally(() => fh?.close());
    if (flags.quiet === true) return;
    for (const img of loaded) {
      if (img.names.length === 0) ctx.out(`Loaded image ID: ${img.id}\n`);
      for (const n of img.names) ctx.out(`Loaded image: ${n}\n`);
    }
  },
};
