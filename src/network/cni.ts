// The CNI plugins (Debian's containernetworking-plugins) run as the spec says: one executable per
// plugin of a network's list, the configuration on stdin (with the previous plugin's result on ADD),
// the container's namespace and interface in the environment; DEL runs the list backwards.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument, unavailable } from '../errdefs/index.ts';
import { childProcess } from '../sys/index.ts';

export const CNI_PATHS = ['/usr/lib/cni', '/opt/cni/bin', '/usr/libexec/cni'];

export interface Conflist {
  cniVersion: string;
  name: string;
  plugins: Record<string, unknown>[];
}

export interface CniArgs {
  containerId: string;
  /** Path of the network namespace (/run/netns/NAME). */
  netns: string;
  ifName: string;
  /** Runtime config for plugins that declare the capability (portMappings). */
  capabilities?: Record<string, unknown>;
}

export interface CniResult {
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  routes?: { dst: string; gw?: string }[];
  dns?: Record<string, unknown>;
}

function pluginPath(type: string): string {
  for (const dir of CNI_PATHS) {
    const p = join(dir, type);
    if (existsSync(p)) return p;
  }
  throw unavailable(`CNI plugin ${type} not found in ${CNI_PATHS.join(', ')}: install containernetworking-plugins`);
}

function exec(type: string, command: string, args: CniArgs, config: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn(pluginPath(type), [], {
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: args.containerId,
        CNI_NETNS: args.netns,
        CNI_IFNAME: args.ifName,
        CNI_PATH: CNI_PATHS.join(':'),
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString();
      if (code === 0) return resolve(text.trim() ? (JSON.parse(text) as unknown) : undefined);
      // Plugins answer failures as {"code":N,"msg":"…","details":"…"} on stdout.
      let why = Buffer.concat(err).toString().trim() || text.trim();
      try {
        const e = JSON.parse(text) as { msg?: string; details?: string };
        why = [e.msg, e.details].filter(Boolean).join(': ') || why;
      } catch {
        // not JSON: keep the raw text
      }
      reject(invalidArgument(`CNI plugin ${type} ${command} failed: ${why}`));
    });
    child.stdin.end(JSON.stringify(config));
  });
}

/** Runs ADD through the whole list; the last plugin's result. */
export async function cniAdd(list: Conflist, args: CniArgs): Promise<CniResult> {
  let prev: unknown;
  for (const plugin of list.plugins) {
    const config = withRuntime(list, plugin, args, prev);
    prev = await exec(plugin.type as string, 'ADD', args, config);
  }
  return (prev ?? {}) as CniResult;
}

/** Runs DEL through the list backwards; every plugin runs even when one fails (the first failure is thrown at the end). */
export async function cniDel(list: Conflist, args: CniArgs): Promise<void> {
  let first: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    try {
      await exec(plugin.type as string, 'DEL', args, withRuntime(list, plugin, args, undefined));
    } catch (err) {
      first ??= err;
    }
  }
  if (first) throw first;
}

function withRuntime(list: Conflist, plugin: Record<string, unknown>, args: CniArgs, prev: unknown): Record<string, unknown> {
  const caps = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const runtimeConfig = Object.fromEntries(Object.entries(args.capabilities ?? {}).filter(([k]) => caps[k]));
  return {
    ...plugin,
    cniVersion: list.cniVersion,
    name: list.name,
    ...(Object.keys(runtimeConfig).length > 0 ? { runtimeConfig } : {}),
    ...(prev !== undefined ? { prevResult: prev } : {}),
  };
}
