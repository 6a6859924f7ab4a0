// `berth image copy SRC DST`: skopeo copy's job between docker://, oci:, oci-archive:,
// docker-archive: and berth's store (berth:NAME or a bare name), without unpacking on the way.
import { writeFile } from 'node:fs/promises';
import type { FlagValues } from '../../args.ts';
import type { Command } from '../../command.ts';
import type { RegistryAccess } from '../../../engine/index.ts';
import { accessOf, daemonError } from '../registry/access.ts';

function side(flags: FlagValues, prefix: 'src-' | 'dest-'): RegistryAccess {
  return accessOf({ 'tls-verify': flags[`${prefix}tls-verify`], 'cert-dir': flags[`${prefix}cert-dir`], creds: flags[`${prefix}creds`], authfile: flags.authfile });
}

export const command: Command = {
  usage: '[OPTIONS] SOURCE DESTINATION',
  summary: 'Copy an image between registries, OCI layouts, archives and the store',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Copy every platform of a multi-platform image' },
    { name: 'platform', type: 'string', value: 'string', help: 'The platform to copy from a multi-platform image (default: the host)' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Print nothing but errors' },
    { name: 'digestfile', type: 'string', value: 'path', help: 'Write the digest of the copied image to this file' },
    { name: 'src-tls-verify', type: 'bool', help: 'Require HTTPS and verify certificates of the source registry' },
    { name: 'dest-tls-verify', type: 'bool', help: 'Require HTTPS and verify certificates of the destination registry' },
    { name: 'src-cert-dir', type: 'string', value: 'path', help: 'Certificates for the source registry' },
    { name: 'dest-cert-dir', type: 'string', value: 'path', help: 'Certificates for the destination registry' },
    { name: 'src-creds', type: 'string', value: 'user:password', help: 'Credentials for the source registry' },
    { name: 'dest-creds', type: 'string', value: 'user:password', help: 'Credentials for the destination registry' },
    { name: 'authfile', type: 'string', value: 'path', help: 'Path of the credentials file' },
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    const quiet = flags.quiet === true;
    try {
      const report = await engine.images.copy(args[0] as string, args[1] as string, {
        src: side(flags, 'src-'),
        dest: side(flags, 'dest-'),
        all: flags.all === true,
        platform: flags.platform as string | undefined,
        onProgress: quiet ? undefined : (m) => ctx.out(`${m.status}\n`),
      });
      if (flags.digestfile !== undefined) await writeFile(flags.digestfile as string, report.digest);
    } catch (err) {
      throw daemonError(err);
    }
  },
};
