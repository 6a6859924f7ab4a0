// `berth push NAME[:TAG]`: an image (or every tag of the repository, -a) from the store to a registry.
import { StatusError, type Command } from '../../command.ts';
import { accessOf, daemonError, startTransfer, transferFlags } from './access.ts';

export const command: Command = {
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', help: 'Push all tags of an image to the repository' },
    { name: 'compression-format', type: 'string', value: 'string', help: 'Compression for layers stored uncompressed: gzip or zstd', default: 'gzip' },
    ...transferFlags,
  ],
  async run(ctx, flags, args) {
    const name = args[0] as string;
    const compression = flags['compression-format'];
    if (compression !== 'gzip' && compression !== 'zstd') throw new StatusError(125, `unsupported compression format "${String(compression)}": use gzip or zstd`);
    const { ref, quiet, render } = startTransfer(ctx, flags, name);
    const engine = await ctx.engine();
    try {
      const reports = await engine.images.push(name, { ...accessOf(flags), allTags: flags['all-tags'] === true, compressionFormat: compression, onProgress: render });
      if (quiet) for (const r of reports) ctx.out(`${ref.domain}/${ref.path}:${r.tag}\n`);
    } catch (err) {
      throw daemonError(err);
    }
  },
};
