// `berth manifest annotate LIST IMAGE|DIGEST`: an entry's platform fields and annotations.
import type { FlagSpec, FlagValues } from '../../args.ts';
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { ManifestAnnotateOptions } from '../../../engine/index.ts';

export const annotateFlags: FlagSpec[] = [
  { name: 'os', type: 'string', value: 'string', help: 'Set operating system' },
  { name: 'arch', type: 'string', value: 'string', help: 'Set architecture' },
  { name: 'variant', type: 'string', value: 'string', help: 'Set architecture variant' },
  { name: 'os-version', type: 'string', value: 'string', help: 'Set operating system version' },
  { name: 'os-features', type: 'list', value: 'list', help: 'Set operating system feature' },
  { name: 'annotation', type: 'list', value: 'key=value', help: 'Set an annotation' },
];

export function annotateOptions(flags: FlagValues): ManifestAnnotateOptions {
  const annotations: Record<string, string> = {};
  for (const a of (flags.annotation as string[] | undefined) ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new StatusError(125, `invalid annotation "${a}": use key=value`);
    annotations[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return {
    os: flags.os as string | undefined,
    arch: flags.arch as string | undefined,
    variant: flags.variant as string | undefined,
    osVersion: flags['os-version'] as string | undefined,
    osFeatures: flags['os-features'] as string[] | undefined,
    annotations,
  };
}

export const command: Command = {
  usage: '[OPTIONS] MANIFEST_LIST IMAGE|DIGEST',
  summary: 'Add additional information to a local image manifest',
  minArgs: 2,
  maxArgs: 2,
  flags: annotateFlags,
  async run(ctx, flags, args) {
    await (await ctx.engine()).manifests.annotate(args[0] as string, args[1] as string, annotateOptions(flags));
  },
};
