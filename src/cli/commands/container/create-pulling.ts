// run/create with Docker's --pull policy: "missing" pulls an image the store lacks (saying so on
// stderr, with the pull's progress there too), "always" pulls first, "never" only looks locally.
import type { Context } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { CreateOptions, Engine } from '../../../engine/index.ts';
import { isKind } from '../../../errdefs/index.ts';
import { familiarName, formatReference, parseReference } from '../../../image/index.ts';
import { progressRenderer } from '../../progress.ts';

export type PullPolicy = 'missing' | 'always' | 'never';

export function pullPolicy(value: unknown): PullPolicy {
  if (value === undefined || value === 'missing') return 'missing';
  if (value === 'always' || value === 'never') return value;
  throw new StatusError(125, `berth: invalid pull option: '${String(value)}': must be one of "always", "missing" or "never"`);
}

export async function createPulling(ctx: Context, engine: Engine, opts: CreateOptions, policy: PullPolicy, quiet = false): Promise<{ Id: string }> {
  const pull = async (): Promise<void> => {
    await engine.images.pull(opts.image, { onProgress: quiet ? undefined : progressRenderer(process.stderr.isTTY ? 'tty' : 'lines', ctx.err) });
  };
  if (policy === 'always') await pull();
  try {
    return await engine.containers.create(opts);
  } catch (err) {
    if (policy !== 'missing' || !isKind(err, 'NotFound') || err.subject !== opts.image || !isName(opts.image)) throw err;
    if (!quiet) ctx.err(`Unable to find image '${shownName(opts.image)}' locally\n`);
    await pull();
    return engine.containers.create(opts);
  }
}

/** True for a reference a registry could serve (not an image ID or a prefix of one). */
function isName(ref: string): boolean {
  if (/^(sha256:)?[0-9a-f]{64}$/.test(ref)) return false;
  try {
    parseReference(ref);
    return true;
  } catch {
    return false;
  }
}

function shownName(ref: string): string {
  const r = parseReference(ref);
  return familiarName(formatReference(r.tag === undefined && r.digest === undefined ? { ...r, tag: 'latest' } : r));
}
