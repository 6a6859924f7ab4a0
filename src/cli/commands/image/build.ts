// `berth build [OPTIONS] PATH`: an image from a Dockerfile, with BuildKit's plain progress on
// stderr; `-q` prints only the image ID.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildOutput, CacheLocation } from '../../../engine/index.ts';
import { BerthError } from '../../../errdefs/index.ts';
import type { Command, Context } from '../../command.ts';
import { keyValueList, UsageError } from '../../args.ts';
import { plainRenderer, ttyRenderer } from '../../build-progress.ts';

function csv(spec: string): Record<string, string> {
  const f: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    f[eq === -1 ? part : part.slice(0, eq)] = eq === -1 ? '' : part.slice(eq + 1);
  }
  return f;
}

/** `--cache-from` / `--cache-to`: `type=local,src|dest=DIR`, `type=registry,ref=REF`, or a bare reference. */
function parseCacheLocation(spec: string, dirKey: 'src' | 'dest'): CacheLocation {
  if (!spec.includes('=')) return { type: 'registry', ref: spec };
  const f = csv(spec);
  if (f.type === 'local') {
    const dir = f[dirKey];
    if (!dir) throw new UsageError(`cache type local needs ${dirKey}=DIRECTORY: ${spec}`);
    return { type: 'local', dir };
  }
  if (f.type === 'registry' || f.type === undefined) {
    if (!f.ref) throw new UsageError(`cache type registry needs ref=REFERENCE: ${spec}`);
    return { type: 'registry', ref: f.ref };
  }
  throw new UsageError(`unsupported cache type ${JSON.stringify(f.type)}: local or registry`);
}

/** `--output`: `type=T,dest=D`, a bare path (local), or `-` (a tar on stdout). */
function parseOutput(spec: string): BuildOutput {
  if (!spec.includes('=')) return spec === '-' ? { type: 'tar', dest: '-' } : { type: 'local', dest: spec };
  const f = csv(spec);
  const type = f.type ?? 'local';
  if (type !== 'local' && type !== 'tar' && type !== 'oci' && type !== 'docker') throw new UsageError(`invalid output type ${JSON.stringify(type)}: local, tar, oci or docker`);
  const dest = f.dest ?? (type === 'local' ? undefined : '-');
  if (dest === undefined) throw new UsageError(`output type local needs dest=DIRECTORY`);
  return { type, dest };
}

/** `--secret id=ID[,src=FILE|,env=VAR]`: id → a file (an env secret goes through a private temporary file). */
function secretFiles(list: string[]): { files: Record<string, string>; release(): void } {
  const files: Record<string, string> = {};
  let dir: string | undefined;
  for (const item of list) {
    const f = csv(item);
    const id = f.id;
    if (!id) throw new UsageError(`invalid secret ${JSON.stringify(item)}: id=ID is required`);
    if (f.type !== undefined && f.type !== 'file' && f.type !== 'env') throw new UsageError(`invalid secret type ${JSON.stringify(f.type)}: file or env`);
    const src = f.src ?? f.source;
    if (src !== undefined) {
      files[id] = src;
      continue;
    }
    const env = f.env ?? (f.type === 'env' ? id : undefined);
    const value = env !== undefined ? process.env[env] : undefined;
    if (value === undefined) {
      // Docker: with neither src nor env, the secret is read from the environment variable of its id, then from a file of that name.
      if (process.env[id] === undefined) {
        files[id] = id;
        continue;
      }
    }
    dir ??= mkdtempSync(join(tmpdir(), 'berth-secrets-'));
    const file = join(dir, String(Object.keys(files).length));
    writeFileSync(file, value ?? (process.env[id] as string), { mode: 0o600 });
    files[id] = file;
  }
  return { files, release: () => dir && rmSync(dir, { recursive: true, force: true }) };
}

export const command: Command = {
  usage: '[OPTIONS] PATH',
  summary: 'Build an image from a Dockerfile',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'build-arg', type: 'list', value: 'list', help: 'Set build-time variables' },
    { name: 'cache-from', type: 'list', value: 'stringArray', help: 'External cache sources (e.g. "type=local,src=path/to/dir", "type=registry,ref=user/app:cache", or a bare reference)' },
    { name: 'cache-to', type: 'list', value: 'stringArray', help: 'Cache export destinations (e.g. "type=local,dest=path/to/dir", "type=registry,ref=user/app:cache")' },
    { name: 'file', short: 'f', type: 'string', value: 'string', help: `Name of the Dockerfile (default: "PATH/Dockerfile"); "-" reads it from stdin` },
    { name: 'iidfile', type: 'string', value: 'string', help: 'Write the image ID to the file' },
    { name: 'label', type: 'list', value: 'list', help: 'Set metadata for an image' },
    { name: 'network', type: 'string', value: 'string', default: 'none', help: 'Networking mode for the RUN instructions: none or host' },
    { name: 'no-cache', type: 'bool', help: 'Do not use cache when building the image' },
    { name: 'output', short: 'o', type: 'list', value: 'stringArray', help: 'Output destination (format: "type=local,dest=path"; types local, tar, oci, docker; a bare path is local, "-" a tar on stdout)' },
    { name: 'platform', type: 'string', value: 'string', help: 'Set target platform for build (the host platform only)' },
    { name: 'progress', type: 'string', value: 'string', default: 'auto', help: 'Set type of progress output (auto, plain, tty, quiet)' },
    { name: 'pull', type: 'bool', help: 'Always attempt to pull all referenced images' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress the build output and print image ID on success' },
    { name: 'secret', type: 'list', value: 'stringArray', help: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=mysecret,env=VAR")' },
    { name: 'tag', short: 't', type: 'list', value: 'list', help: 'Name and optionally a tag (format: "name:tag")' },
    { name: 'target', type: 'string', value: 'string', help: 'Set the target build stage to build' },
  ],
  async run(ctx: Context, flags, args) {
    const progress = flags.progress as string;
    if (!['auto', 'plain', 'tty', 'quiet'].includes(progress)) throw new UsageError(`invalid progress mode "${progress}": use auto, plain, tty or quiet`);
    const quiet = flags.quiet === true || progress === 'quiet';
    const file = flags.file as string | undefined;
    const engine = await ctx.engine();
    const terminal = !quiet && (progress === 'tty' || (progress === 'auto' && process.stderr.isTTY === true));
    const view = terminal ? ttyRenderer((t) => ctx.err(t), () => process.stderr.columns ?? 80) : undefined;
    const render = quiet ? undefined : (view?.render ?? plainRenderer((t) => ctx.err(t)));
    const secrets = secretFiles(flags.secret as string[]);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort(new BerthError('FailedPrecondition', 'build canceled', { exitStatus: 1 }));
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      const { id } = await engine.builder.build({
        contextDir: args[0] as string,
        dockerfile: file === '-' ? undefined : file,
        dockerfileText: file === '-' ? readFileSync(0, 'utf8') : undefined,
        tags: flags.tag as string[],
        target: flags.target as string | undefined,
        buildArgs: keyValueList(flags['build-arg'] as string[], 'build-arg', { fromEnv: true }),
        labels: keyValueList(flags.label as string[], 'label'),
        noCache: flags['no-cache'] === true,
        pull: flags.pull === true,
        network: flags.network as string,
        platform: flags.platform as string | undefined,
        onEvent: render,
        signal: abort.signal,
        secrets: secrets.files,
        outputs: (flags.output as string[]).map(parseOutput),
        cacheFrom: (flags['cache-from'] as string[]).map((c) => parseCacheLocation(c, 'src')),
        cacheTo: (flags['cache-to'] as string[]).map((c) => parseCacheLocation(c, 'dest')),
      }, process.stdout);
      view?.finish();
      if (flags.iidfile) writeFileSync(flags.iidfile as string, id);
      if (quiet && !(flags.output as string[]).some((s) => s === "-" || /dest=-(,|$)/.test(s))) ctx.out(`${id}\n`);
    } catch (err) {
      view?.finish();
      if (!(err instanceof BerthError)) throw err;
      // Whatever stopped the build (a failed step, a parse error, a missing file): Docker's closing line, status 1.
      ctx.err(`ERROR: failed to solve: ${err.message}\n`);
      return 1;
    } finally {
      view?.finish();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      secrets.release();
    }
  },
};
