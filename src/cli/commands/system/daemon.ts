// `berth daemon` (`berth system service`): the Docker Engine API over berth's engine, in the
// foreground until SIGINT or SIGTERM. Containers belong to conmon, so they outlive the daemon; a
// daemon that starts again finds them (running, or exited while it was away) in the store.
import { readFileSync } from 'node:fs';
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { FlagValues } from '../../args.ts';
import { version } from './version.ts';
import type { DaemonConfig } from '../../../api/index.ts';

const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Serve the Docker Engine API',
  maxArgs: 0,
  // Attached sessions may hold worker threads in reads of conmon's sockets until their containers
  // exit; once the listeners are closed nothing is lost by not waiting for them.
  exitWhenDone: true,
  flags: [
    { name: 'host', short: 'H', type: 'list', value: 'list', help: `Daemon socket(s) to listen on (default ${DEFAULT_HOST})` },
    { name: 'config-file', type: 'string', value: 'string', help: 'Daemon configuration file (default /etc/berth/daemon.json)' },
    { name: 'data-root', type: 'string', value: 'string', help: 'Root directory of persistent state (the same as the global --root)' },
    { name: 'tls', type: 'bool', help: 'Use TLS; implied by --tlsverify' },
    { name: 'tlsverify', type: 'bool', help: 'Use TLS and verify the remote (client certificates)' },
    { name: 'tlscacert', type: 'string', value: 'string', help: 'Trust certs signed only by this CA' },
    { name: 'tlscert', type: 'string', value: 'string', help: 'Path to TLS certificate file' },
    { name: 'tlskey', type: 'string', value: 'string', help: 'Path to TLS key file' },
    { name: 'insecure-registry', type: 'list', value: 'list', help: 'Enable insecure registry communication' },
    { name: 'registry-mirror', type: 'list', value: 'list', help: 'Preferred registry mirror' },
    { name: 'default-ulimit', type: 'list', value: 'ulimit', help: 'Default ulimits for containers (NAME=SOFT[:HARD])' },
    { name: 'log-driver', type: 'string', value: 'string', help: 'Default driver for container logs' },
    { name: 'log-opt', type: 'list', value: 'map', help: 'Default log driver options for containers' },
    { name: 'group', short: 'G', type: 'string', value: 'string', help: 'Group for the unix socket (default "berth" when it exists)' },
    { name: 'debug', short: 'D', type: 'bool', help: 'Enable debug mode (a line per request)' },
  ],
  async run(ctx, flags) {
    const { loadDaemonConfig, serveApi, allRoutes, parseTcpHost, isLoopback } = await import('../../../api/index.ts');
    const configFile = (flags['config-file'] as string | undefined) ?? '/etc/berth/daemon.json';
    let config;
    try {
      config = loadDaemonConfig(configFile, flagConfig(flags) as DaemonConfig, flags['config-file'] !== undefined);
    } catch (err) {
      throw new StatusError(1, `berth daemon: ${(err as Error).message}`);
    }
    // Containers log through conmon, in the k8s-file format: json-file and local name the same
    // thing for a user; any other driver, or options for one, would be silently not carried out.
    const driver = config['log-driver'];
    if (driver !== undefined && !['json-file', 'k8s-file', 'local'].includes(driver)) throw new StatusError(1, `berth daemon: log driver ${driver} is not supported: containers log to a file through conmon (json-file, k8s-file, local)`);
    if (Object.keys(config['log-opts'] ?? {}).length > 0) throw new StatusError(1, 'berth daemon: log-opts are not supported yet');
    const root = config['data-root'] ?? ctx.root;
    const hosts = config.hosts && config.hosts.length > 0 ? config.hosts : [DEFAULT_HOST];
    const verify = config.tlsverify === true;
    const useTls = verify || config.tls === true;
    if (useTls && (!config.tlscert || !config.tlskey)) throw new StatusError(1, 'berth daemon: TLS needs --tlscert and --tlskey');
    if (verify && !config.tlscacert) throw new StatusError(1, 'berth daemon: --tlsverify needs --tlscacert to verify client certificates');
    for (const h of hosts) {
      if (!h.startsWith('tcp://') || useTls) continue;
      let addr: string;
      try {
        addr = parseTcpHost(h, false).host;
      } catch (err) {
        throw new StatusError(1, `berth daemon: ${(err as Error).message}`);
      }
      // dockerd 27+: plain TCP reachable from other machines only when asked for with --tls=false.
      if (!isLoopback(addr) && flags.tls !== false) {
        throw new StatusError(1, `berth daemon: listening on ${h} without TLS would give anyone who reaches ${addr} root on this machine: use --tlsverify, or --tls=false to insist`);
      }
    }
    const { LocalEngine } = await import('../../../engine/index.ts');
    const engine = await LocalEngine.open({ root, berthCommand: [process.execPath, process.argv[1] as string] });
    // What ran while no daemon did: records are brought up to date (exited containers marked so).
    await engine.containers.list({ all: true });
    const debug = config.debug === true || config['log-level'] === 'debug';
    const server = await serveApi({
      engine,
      info: { root, version, config },
      listeners: hosts.map((host) => ({ host, tls: useTls && host.startsWith('tcp://') ? { cert: config.tlscert as string, key: config.tlskey as string, ca: config.tlscacert, verify } : undefined })),
      routes: allRoutes,
      socketGroup: groupId(config.group ?? 'berth', config.group !== undefined),
      inheritedFds: inheritedFds(),
      log: (line, level) => {
        if (level === 'error' || debug) ctx.err(`${new Date().toISOString()} ${level === 'error' ? 'ERROR' : 'DEBUG'} ${line}\n`);
      },
    }).catch((err: unknown) => {
      throw new StatusError(1, `berth daemon: cannot listen: ${(err as Error).message}`);
    });
    ctx.err(`berth daemon ${version}: API listening on ${server.addresses.join(', ')}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop).off('SIGTERM', stop);
        ctx.err('berth daemon: shutting down (containers keep running)\n');
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop).on('SIGTERM', stop);
    });
  },
};

/** The settings given on the command line (and only those: they must not clash with the file's). */
function flagConfig(flags: FlagValues): Record<string, unknown> {
  const list = (name: string): string[] | undefined => ((flags[name] as string[]).length > 0 ? (flags[name] as string[]) : undefined);
  const logOpts = list('log-opt');
  const ulimits = list('default-ulimit');
  return {
    hosts: list('host'),
    tls: flags.tls as boolean | undefined,
    tlsverify: flags.tlsverify as boolean | undefined,
    tlscacert: flags.tlscacert as string | undefined,
    tlscert: flags.tlscert as string | undefined,
    tlskey: flags.tlskey as string | undefined,
    'insecure-registries': list('insecure-registry'),
    'registry-mirrors': list('registry-mirror'),
    'default-ulimits': ulimits ? Object.fromEntries(ulimits.map((u) => {
      const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
      if (!m) throw new StatusError(125, `berth daemon: invalid --default-ulimit ${JSON.stringify(u)}: use NAME=SOFT[:HARD]`);
      return [m[1], { Name: m[1] as string, Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) }];
    })) : undefined,
    'log-driver': flags['log-driver'] as string | undefined,
    'log-opts': logOpts ? Object.fromEntries(logOpts.map((o) => [o.split('=')[0], o.slice(o.indexOf('=') + 1)])) : undefined,
    'data-root': flags['data-root'] as string | undefined,
    debug: flags.debug as boolean | undefined,
    group: flags.group as string | undefined,
  };
}

/** The group's ID from /etc/group; a group named explicitly must exist. */
function groupId(name: string, explicit: boolean): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  let text = '';
  try {
    text = readFileSync('/etc/group', 'utf8');
  } catch {
    // no group database: root only
  }
  const line = text.split('\n').find((l) => l.split(':')[0] === name);
  if (line) return Number(line.split(':')[2]);
  if (explicit) throw new StatusError(1, `berth daemon: group ${JSON.stringify(name)} not found`);
  return undefined;
}

/** systemd socket activation: LISTEN_FDS sockets from fd 3, when LISTEN_PID is this process. */
function inheritedFds(): number[] {
  if (Number(process.env.LISTEN_PID) !== process.pid) return [];
  const n = Number(process.env.LISTEN_FDS ?? 0);
  return Array.from({ length: Number.isInteger(n) && n > 0 ? n : 0 }, (_, i) => 3 + i);
}
