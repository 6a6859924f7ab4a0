// berth's entry point: global flags, command lookup, and the mapping of errors to Docker's exit
// codes and one-line messages (never a stack trace for a user error).
import { basename, resolve } from 'node:path';
import { BerthError } from '../errdefs/index.ts';
import { parseArgs, formatFlagHelp, UsageError, type FlagSpec } from './args.ts';
import { StatusError, type Command, type Context } from './command.ts';
import { commands, type CommandEntry } from './commands/index.ts';
import type { Engine } from '../engine/index.ts';

const globalFlags: FlagSpec[] = [
  { name: 'root', type: 'string', value: 'dir', help: 'Root directory of berth state', default: undefined },
  { name: 'host', short: 'H', type: 'string', value: 'string', help: 'Daemon socket to connect to (unix:///path or tcp://host:port; env BERTH_HOST)' },
  { name: 'tlsverify', type: 'bool', help: 'Use TLS and verify the daemon' },
  { name: 'tlscacert', type: 'string', value: 'string', help: 'Trust certs signed only by this CA' },
  { name: 'tlscert', type: 'string', value: 'string', help: 'Path to TLS certificate file' },
  { name: 'tlskey', type: 'string', value: 'string', help: 'Path to TLS key file' },
  { name: 'log-level', short: 'l', type: 'string', value: 'string', help: 'Set the logging level ("debug", "info", "warn", "error")', default: 'info' },
  { name: 'debug', short: 'D', type: 'bool', help: 'Enable debug mode' },
  { name: 'help', short: 'h', type: 'bool', help: 'Print usage' },
  { name: 'version', short: 'v', type: 'bool', help: 'Print version information and quit' },
];

function out(text: string): void {
  process.stdout.write(text);
}
function err(text: string): void {
  process.stderr.write(text);
}

/** Splits argv into global flags, the matched command entry, its path as typed, and the rest. */
function findCommand(argv: string[]): { globals: string[]; entry?: CommandEntry; path: string[]; rest: string[] } {
  let i = 0;
  const globals: string[] = [];
  while (i < argv.length && (argv[i] as string).startsWith('-')) {
    const a = argv[i] as string;
    globals.push(a);
    i++;
    const spec = globalFlags.find((f) => a === `--${f.name}` || a === `-${f.short ?? '\0'}`);
    if (spec && spec.type !== 'bool' && i < argv.length) globals.push(argv[i++] as string);
  }
  let best: { entry: CommandEntry; path: string[] } | undefined;
  for (const entry of commands) {
    for (const p of entry.paths) {
      if (p.every((w, k) => argv[i + k] === w) && (!best || p.length > best.path.length)) best = { entry, path: p };
    }
  }
  if (!best) return { globals, path: argv.slice(i, i + 1), rest: argv.slice(i + 1) };
  return { globals, entry: best.entry, path: best.path, rest: argv.slice(i + best.path.length) };
}

function topHelp(): string {
  const names = (e: CommandEntry): string => (e.paths[0] as string[]).join(' ');
  const rows = commands.filter((e) => !e.hidden && (e.paths[0]?.length === 1 || e.common));
  const width = Math.max(...rows.map((e) => names(e).length));
  return [
    'Usage:  berth [OPTIONS] COMMAND',
    '',
    'A container engine: images, containers, registries, builds, networks.',
    '',
    'Commands:',
    ...rows.map((e) => `  ${names(e).padEnd(width)}   ${e.summary}`),
    '',
    'Global Options:',
    formatFlagHelp(globalFlags),
    '',
    "Run 'berth COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

/** `berth network` (a group without its subcommand): the group's commands, as docker prints them. */
function groupHelp(group: string): string | undefined {
  const subs = commands.filter((e) => !e.hidden && e.paths[0]?.[0] === group && e.paths[0].length === 2);
  if (subs.length === 0) return undefined;
  const width = Math.max(...subs.map((e) => (e.paths[0]?.[1] ?? '').length));
  return [
    `Usage:  berth ${group} COMMAND`,
    '',
    `Manage ${group === 'builder' ? 'builds' : `${group}s`}`,
    '',
    'Commands:',
    ...subs.map((e) => `  ${(e.paths[0]?.[1] ?? '').padEnd(width)}   ${e.summary}`),
    '',
    `Run 'berth ${group} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

function commandHelp(path: string, cmd: Command): string {
  return [`Usage:  berth ${path} ${cmd.usage}`, '', cmd.summary, '', 'Options:', formatFlagHelp(cmd.flags), ''].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { globals, entry, path, rest } = findCommand(argv);
  const g = parseArgs(globals, globalFlags).flags;
  if (g.version === true && !entry) {
    const { version } = await import('./commands/system/version.ts');
    out(`berth version ${version}\n`);
    return 0;
  }
  if (!entry) {
    if (path.length === 0 || (g.help === true && path.length === 0)) {
      out(topHelp());
      return 0;
    }
    const group = groupHelp(path[0] as string);
    if (group && (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h' || g.help === true)) {
      out(group);
      return 0;
    }
    if (g.help === true) {
      out(topHelp());
      return 0;
    }
    if (group) throw new UsageError(`'${[path[0], rest[0]].join(' ')}' is not a berth command.`);
    throw new UsageError(`'${path.join(' ')}' is not a berth command.`);
  }
  const pathText = path.join(' ');
  const { command } = await entry.load();
  if (rest.includes('--help') || rest.includes('-h') && !command.stopAtFirstArg) {
    out(commandHelp(pathText, command));
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs(rest, command.flags, command.stopAtFirstArg);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message}\nSee 'berth ${pathText} --help'.`);
    throw e;
  }
  const { flags, args } = parsed;
  const min = command.minArgs ?? 0;
  if (args.length < min || (command.maxArgs !== undefined && args.length > command.maxArgs)) {
    const need = command.maxArgs === min ? `exactly ${min}` : args.length < min ? `at least ${min}` : `at most ${command.maxArgs}`;
    throw new UsageError(
      `"berth ${pathText}" requires ${need} argument${(command.maxArgs ?? min) === 1 && args.length < min ? '' : 's'}.\nSee 'berth ${pathText} --help'.\n\nUsage:  berth ${pathText} ${command.usage}\n\n${command.summary}`,
    );
  }
  // Absolute: mounts, bundles and conmon's paths must not depend on the working directory.
  const root = resolve((g.root as string | undefined) ?? process.env.BERTH_ROOT ?? '/var/lib/berth');
  let engine: Engine | undefined;
  const host = command.localOnly ? undefined : daemonHost(g.host as string | undefined);
  const ctx: Context = {
    root,
    path: pathText,
    out,
    err,
    engine: async () => {
      if (!engine && host) {
        const { RemoteEngine } = await import('../api/index.ts');
        const tls = g.tlsverify === true || g.tlscert !== undefined ? { ca: g.tlscacert as string | undefined, cert: g.tlscert as string | undefined, key: g.tlskey as string | undefined, verify: g.tlsverify === true } : undefined;
        engine = new RemoteEngine({ host, tls });
      }
      if (!engine) {
        const { LocalEngine } = await import('../engine/index.ts');
        engine = await LocalEngine.open({ root, berthCommand: [process.execPath, process.argv[1] as string] });
      }
      return engine;
    },
  };
  const code = (await command.run(ctx, flags, args)) ?? 0;
  if (command.exitWhenDone) {
    settled = true;
    process.exit(code);
  }
  return code;
}

/** The daemon to drive: --host, else $BERTH_HOST, else $DOCKER_HOST when berth runs as `docker`. */
function daemonHost(flag: string | undefined): string | undefined {
  const asDocker = basename(process.argv[1] ?? '') === 'docker';
  return flag ?? (process.env.BERTH_HOST || (asDocker ? process.env.DOCKER_HOST : undefined) || undefined);
}

function exitWith(code: number): void {
  // Let stdout drain before exiting (large `save` or `inspect` output through a pipe).
  process.exitCode = code;
}

// A command whose promise never settles (a stream that stalls) would otherwise end with status 0
// and no output: say so, and fail.
let settled = false;
process.on('exit', () => {
  if (settled) return;
  err('Error: internal error: berth stopped before the command finished\n');
  process.exitCode = 1;
});

main(process.argv.slice(2)).finally(() => (settled = true)).then(exitWith, (e: unknown) => {
  if (e instanceof StatusError) {
    if (e.message) err(`${e.message}\n`);
    exitWith(e.status);
  } else if (e instanceof UsageError) {
    err(`berth: ${e.message}\n`);
    exitWith(125);
  } else if (e instanceof BerthError) {
    err(`Error: ${e.message}\n`);
    if (process.env.BERTH_DEBUG && e.stack) err(`${e.stack}\n`);
    exitWith(1);
  } else {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EPIPE') return exitWith(0);
    err(`Error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.BERTH_DEBUG && (e as Error)?.stack) err(`${(e as Error).stack}\n`);
    exitWith(1);
  }
});
