// `berth save [-o FILE] IMAGE...`: docker-archive (as docker save writes it) or oci-archive.
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../../command.ts';
import { invalidArgument } from '../../../errdefs/index.ts';

export const command: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  minArgs: 1,
  flags: [
    { name: 'output', short: 'o', type: 'string', value: 'string', help: 'Write to a file, instead of STDOUT' },
    { name: 'format', type: 'string', value: 'string', default: 'docker-archive', help: 'Archive format: docker-archive or oci-archive' },
  ],
  async run(ctx, flags, args) {
    const format = flags.format as string;
    if (format !== 'docker-archive' && format !== 'oci-archive') throw invalidArgument(`unsupported save format "${format}": use docker-archive or oci-archive`);
    const output = flags.output as string | undefined;
    if ((output === undefined || output === '-') && process.stdout.isTTY) {
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const stream = await (await ctx.engine()).images.save(args, { format });
    if (output === undefined || output === '-') {
      await pipeline(stream, process.stdout, { end: false });
      return;
    }
    // Written beside the target and renamed: a failed save never leaves a truncated archive.
    const tmp = join(dirname(output), `.${basename(output)}.berth-tmp-${process.pid}`);
    try {
      await pipeline(stream, createWriteStream(tmp));
      await rename(tmp, output);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  },
};
