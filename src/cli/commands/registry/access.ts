// The flags every registry command shares (podman's names; Docker takes these from daemon.json):
// TLS verification, a certs.d directory, inline credentials and the credentials file.
import type { FlagSpec, FlagValues } from '../../args.ts';
import { StatusError, type Context } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import type { ProgressMessage, RegistryAccess } from '../../../engine/index.ts';
import { parseReference, type Reference } from '../../../image/index.ts';
import { progressMode, progressRenderer } from '../../progress.ts';

export const accessFlags: FlagSpec[] = [
  { name: 'tls-verify', type: 'bool', help: 'Require HTTPS and verify certificates (default: verify, except for loopback and insecure registries)' },
  { name: 'cert-dir', type: 'string', value: 'path', help: 'Use certificates at path (*.crt, *.cert, *.key) to connect to the registry' },
  { name: 'creds', type: 'string', value: 'user:password', help: 'Use these credentials instead of the stored ones' },
  { name: 'authfile', type: 'string', value: 'path', help: 'Path of the credentials file (default: $DOCKER_CONFIG/config.json)' },
];

export function accessOf(flags: FlagValues): RegistryAccess {
  const creds = flags.creds as string | undefined;
  let parsed: RegistryAccess['creds'];
  if (creds !== undefined) {
    const colon = creds.indexOf(':');
    if (colon <= 0) throw new StatusError(125, `invalid --creds "${creds}": use user:password`);
    parsed = { username: creds.slice(0, colon), password: creds.slice(colon + 1) };
  }
  return {
    tlsVerify: flags['tls-verify'] as boolean | undefined,
    certDir: flags['cert-dir'] as string | undefined,
    creds: parsed,
    authFile: (flags.authfile as string | undefined) ?? process.env.REGISTRY_AUTH_FILE,
  };
}

/** A registry failure as the docker CLI shows it: "Error response from daemon: …", status 1. */
export function daemonError(err: unknown): unknown {
  return err instanceof BerthError ? new StatusError(1, `Error response from daemon: ${err.message}`) : err;
}

/** The flags pull and push share besides access: all tags, quiet, JSON progress. */
export const transferFlags: FlagSpec[] = [
  { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress verbose output' },
  { name: 'format', type: 'string', value: 'string', help: 'Progress as "json" lines, for programs' },
  { name: 'disable-content-trust', type: 'bool', help: 'Skip signing and verification (always: berth has no content trust)', hidden: true },
  ...accessFlags,
];

/** The reference, Docker's "Using default tag" line, and the progress renderer for a pull or push. */
export function startTransfer(ctx: Context, flags: FlagValues, name: string): { ref: Reference; quiet: boolean; json: boolean; render: (m: ProgressMessage) => void } {
  const quiet = flags.quiet === true;
  const json = flags.format === 'json';
  const ref = parseReference(name);
  if (!quiet && flags['all-tags'] !== true && ref.tag === undefined && ref.digest === undefined) ctx.out('Using default tag: latest\n');
  return { ref, quiet, json, render: progressRenderer(progressMode({ quiet, json }), ctx.out) };
}
