// A container on a network (the default `bridge` or one made with `network create`): a network
// namespace of its own, joined to the network's bridge by the CNI plugins when it starts and left
// when it stops; on a user-defined network its /etc/hosts names the other containers there (and
// theirs name it), as Docker's resolver would. A network's bridge and firewall rules stay from its
// first container until the network goes (as Docker keeps docker0).
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { conflict } from '../errdefs/index.ts';
import { withLock, type ContainerRecord, type NetworkAttachment, type NetworkSettings } from '../meta/index.ts';
import { cniAdd, cniDel, createNetns, deleteNetns, DEFAULT_NETWORK, netnsPath, type CniResult, type NetworkRecord, type NetworkStore } from '../network/index.ts';
import { hostsFile } from './container-files.ts';
import { childProcess, deleteBridge, interfaceAddress } from '../sys/index.ts';
import type { PortMapping } from './container-ports.ts';

const run = (file: string, args: string[]): Promise<{ stdout: string; stderr: string }> => promisify(childProcess().execFile)(file, args);

const IPTABLES_LOCK = '/run/berth/iptables.lock';

/**
 * portmap's shared chains (CNI-HOSTPORT-*) stay after its last mapping goes; when no mapping of any
 * container is left in them, they and their jumps are removed, so the host's tables are as before.
 */
async function dropIdlePortChains(): Promise<void> {
  const rules = (await run('iptables', ['-t', 'nat', '-S', 'CNI-HOSTPORT-DNAT']).catch(() => ({ stdout: '' }))).stdout;
  if (!rules || rules.split('\n').some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT'))) return;
  const nat = (args: string[]): Promise<unknown> => run('iptables', ['-t', 'nat', ...args]).catch(() => undefined);
  await nat(['-D', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT']);
  await nat(['-D', 'OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT']);
  await nat(['-D', 'POSTROUTING', '-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', 'CNI-HOSTPORT-MASQ']);
  for (const chain of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK']) {
    await nat(['-F', chain]);
    await nat(['-X', chain]);
  }
}

/** The one MASQUERADE rule that gives a network's containers the outside (Docker's per-bridge rule). */
function masqueradeRule(net: NetworkRecord): string[] {
  const subnet = net.IPAM.Config[0]?.Subnet ?? '';
  return ['POSTROUTING', '-s', subnet, '!', '-o', net.Bridge, '-m', 'comment', '--comment', `berth network ${net.Id.slice(0, 12)}`, '-j', 'MASQUERADE'];
}

/** Docker's isolation: nothing is forwarded from this network's bridge to another berth bridge. */
function isolationRules(net: NetworkRecord): string[][] {
  const comment = ['-m', 'comment', '--comment', `berth network ${net.Id.slice(0, 12)}`];
  // Inserted in this order at the top of FORWARD, so the last is first: the bridge's own traffic
  // (which crosses FORWARD when br_netfilter is loaded) is accepted before the drops.
  return [
    ...['br-+', 'berth+'].map((other) => ['FORWARD', '-i', net.Bridge, '-o', other, ...comment, '-j', 'DROP']),
    ['FORWARD', '-i', net.Bridge, '-o', net.Bridge, ...comment, '-j', 'ACCEPT'],
  ];
}

/** The network's rules by table: NAT unless internal, and isolation. */
function networkRules(net: NetworkRecord): [string, string[]][] {
  return [...(net.Internal ? [] : [['nat', masqueradeRule(net)] as [string, string[]]]), ...isolationRules(net).map((r) => ['filter', r] as [string, string[]])];
}

/** iptables-restore input that applies `op` (-I or -D) to each rule, table by table, in one transaction. */
function restoreInput(rules: [string, string[]][], op: '-I' | '-D'): string {
  const quote = (a: string): string => (/^[\w./+:!-]+$/.test(a) ? a : `"${a.replace(/"/g, '\\"')}"`);
  const tables = [...new Set(rules.map(([t]) => t))];
  return tables.map((t) => [`*${t}`, ...rules.filter(([x]) => x === t).map(([, r]) => `${op} ${r.map(quote).join(' ')}`), 'COMMIT'].join('\n')).join('\n') + '\n';
}

function restore(input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = childProcess().execFile('iptables-restore', ['--noflush'], (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(input);
  });
}

/** How many of the network's rules iptables has now (one iptables-save). */
async function rulesPresent(net: NetworkRecord): Promise<number> {
  const comment = `berth network ${net.Id.slice(0, 12)}`;
  const saved = (await run('iptables-save', []).catch(() => ({ stdout: '' }))).stdout;
  return saved.split('\n').filter((l) => l.includes(`"${comment}"`)).length;
}

/**
 * The network's rules, checked at each join (a firewall reload may have flushed them) and added
 * when missing: one iptables-save to see what is there, one iptables-restore for what is missing.
 */
async function ensureNetworkRules(net: NetworkRecord): Promise<void> {
  await mkdir('/run/berth', { recursive: true });
  await withLock(IPTABLES_LOCK, 'exclusive', async () => {
    const want = networkRules(net);
    const present = await rulesPresent(net);
    if (present === want.length) return;
    // Some but not all (a start killed half way): take them away and put them all back.
    if (present > 0) await dropRules(want);
    await restore(restoreInput(want, '-I'));
  });
}

/** Deletes rules in one transaction; when one is missing (the transaction fails), one by one. */
async function dropRules(rules: [string, string[]][]): Promise<void> {
  await restore(restoreInput(rules, '-D')).catch(async () => {
    for (const [table, r] of rules) await run('iptables', ['-t', table, '-D', ...r]).catch(() => undefined);
  });
}

/**
 * Takes away what a network made on the host: its bridge (kept from its first container on, as
 * Docker keeps docker0; never one that was there before the network) and its rules. For `network
 * rm` and `system reset`; refused while interfaces are still on the bridge.
 */
export async function removeNetworkHost(net: NetworkRecord): Promise<void> {
  await mkdir('/run/berth', { recursive: true });
  await withLock(bridgeLock(net), 'exclusive', async () => {
    const ports = bridgePorts(net.Bridge);
    if (ports > 0) throw conflict(`error while removing network: network ${net.Name} id ${net.Id} has active endpoints (${ports} on bridge ${net.Bridge})`, net.Id);
    await withLock(IPTABLES_LOCK, 'exclusive', async () => {
      // The bridge's slow delete (~40 ms in the kernel) and the rules' removal go side by side;
      // both end before the locks go.
      const rules = (await rulesPresent(net)) > 0 ? dropRules(networkRules(net)) : Promise.resolve();
      const bridge = isOwnBridge(net) ? deleteBridge(net.Bridge) : Promise.resolve();
      for (const r of await Promise.allSettled([bridge, rules])) if (r.status === 'rejected') throw r.reason;
    });
  });
}

/** A bridge berth made for the network (a Linux bridge, not one the network was given). */
function isOwnBridge(net: NetworkRecord): boolean {
  return !net.ForeignBridge && existsSync(`/sys/class/net/${net.Bridge}/bridge`);
}

/**
 * A bridge left by a root that was deleted without `system reset` has this network's name but
 * another address: CNI's bridge plugin would refuse it. Empty, it goes, with the rules naming it.
 */
async function dropStaleBridge(net: NetworkRecord): Promise<void> {
  if (!isOwnBridge(net) || bridgePorts(net.Bridge) > 0) return;
  const gateway = net.IPAM.Config[0]?.Gateway;
  const address = interfaceAddress(net.Bridge);
  if (address === undefined || address === gateway) return;
  await withLock(IPTABLES_LOCK, 'exclusive', async () => {
    const rules: [string, string[]][] = [];
    for (const table of ['nat', 'filter']) {
      const listed = (await run('iptables', ['-t', table, '-S']).catch(() => ({ stdout: '' }))).stdout;
      for (const line of listed.split('\n')) {
        const words = line.split(' ');
        if (words[0] === '-A' && words.includes(net.Bridge)) rules.push([table, argv(line.slice(3))]);
      }
    }
    const results = await Promise.allSettled([deleteBridge(net.Bridge), rules.length > 0 ? dropRules(rules) : Promise.resolve()]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  });
}

/** The words of an `iptables -S` rule, with its double-quoted comments as one word each. */
function argv(rule: string): string[] {
  return [...rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string)));
}

/** True for the modes that need a CNI network (not none, host or another container's). */
export function onNetwork(mode: string): boolean {
  return mode !== 'none' && mode !== 'host' && !mode.startsWith('container:');
}

/** The network a container was created on, from its NetworkMode (`default` is the default bridge). */
export function firstNetwork(mode: string): string {
  return mode === 'default' ? DEFAULT_NETWORK : mode;
}

/** Whether `rec` joins network `name` (or ID) at its starts: its first network unless it left it, or one connected since. */
export function joinsNetwork(rec: ContainerRecord, net: { Name: string; Id: string }): boolean {
  const first = firstNetwork(rec.HostConfig.NetworkMode);
  // NetworkMode is as the user gave it: a name, an ID or an ID prefix.
  if (onNetwork(first) && !rec.HostConfig.LeftFirstNetwork && (first === net.Name || (first !== '' && net.Id.startsWith(first)))) return true;
  return (rec.HostConfig.ExtraNetworks ?? []).some((e) => e.name === net.Name);
}

function netnsName(id: string): string {
  return `berth-${id.slice(0, 12)}`;
}

/** One more network a container is on besides its first (`network connect`, kept across restarts). */
export interface ExtraNetwork {
  name: string;
  aliases: string[];
  ip?: string;
}

export function portMappingsOf(settings: NetworkSettings): PortMapping[] {
  return Object.entries(settings.Ports ?? {}).flatMap(([k, bs]) => bs.map((b) => ({ hostPort: Number(b.HostPort), containerPort: Number(k.split('/')[0]), protocol: k.split('/')[1] ?? 'tcp', hostIP: b.HostIp === '0.0.0.0' ? '' : b.HostIp })));
}

/** Puts the container's namespace on one network through interface `ifName`; its attachment. */
export async function joinOne(rec: ContainerRecord, net: NetworkRecord, networks: NetworkStore, netns: string, ifName: string, o: { portMappings?: PortMapping[]; aliases?: string[]; ip?: string } = {}): Promise<NetworkAttachment> {
  const portMappings = o.portMappings ?? [];
  const ports = portMappings.length > 0;
  const args = { containerId: rec.Id, netns, ifName, capabilities: { portMappings, ...(o.ip ? { ips: [o.ip] } : {}) } };
  const add = (): Promise<CniResult> => cniAdd(networks.conflist(net, { ports }), args);
  try {
    // Under the bridge's lock: the network's removal cannot take the bridge and its rules away
    // between this join's plugin run and its rules (see removeNetworkHost). With ports, also under
    // the lock that guards portmap's shared chains (see dropIdlePortChains).
    await mkdir('/run/berth', { recursive: true });
    const result = await withLock(bridgeLock(net), 'exclusive', async () => {
      await dropStaleBridge(net);
      const r = ports ? await withLock(IPTABLES_LOCK, 'exclusive', add) : await add();
      await ensureNetworkRules(net);
      return r;
    });
    const addr = result.ips?.find((i) => i.address.includes('.'));
    if (!addr) throw new Error(`the network ${net.Name} gave container ${rec.Id} no IPv4 address`);
    const [ip = '', len = '0'] = addr.address.split('/');
    const mac = result.interfaces?.find((i) => i.name === ifName)?.mac ?? '';
    const aliases = net.Name === DEFAULT_NETWORK ? [] : [rec.Name, rec.Id.slice(0, 12), ...(o.aliases ?? [])];
    return { NetworkID: net.Id, IPAddress: ip, IPPrefixLen: Number(len), Gateway: addr.gateway ?? '', MacAddress: mac, Aliases: aliases, Interface: ifName };
  } catch (err) {
    await cniDel(networks.conflist(net, { ports }), args).catch(() => undefined);
    throw err;
  }
}

/** Makes the container's network namespace, on no network yet (see attach): its path. */
export function createSandbox(rec: ContainerRecord): Promise<string> {
  return createNetns(netnsName(rec.Id));
}

/**
 * Joins the container's namespace to its network (and the ones connected to it); the attachments.
 * On failure it leaves what it joined and removes the namespace.
 */
export async function attach(rec: ContainerRecord, networks: NetworkStore, netns: string, portMappings: PortMapping[] = []): Promise<NetworkSettings> {
  const settings: NetworkSettings = { SandboxKey: netns, Networks: {} };
  try {
    if (!rec.HostConfig.LeftFirstNetwork) {
      const first = await networks.get(firstNetwork(rec.HostConfig.NetworkMode));
      settings.Networks[first.Name] = await joinOne(rec, first, networks, netns, 'eth0', { portMappings, aliases: rec.HostConfig.NetworkAliases, ip: rec.HostConfig.IPv4Address });
    }
    let n = 1;
    for (const extra of rec.HostConfig.ExtraNetworks ?? []) {
      const net = await networks.get(extra.name);
      settings.Networks[net.Name] = await joinOne(rec, net, networks, netns, `eth${n++}`, { aliases: extra.aliases, ip: extra.ip });
    }
    return settings;
  } catch (err) {
    await detach({ ...rec, NetworkSettings: settings }, networks).catch(() => undefined);
    await deleteNetns(netnsName(rec.Id));
    throw err;
  }
}

/** Takes the container's namespace off one network (CNI DEL); the bridge and its rules stay until the network goes. */
export async function leaveOne(rec: ContainerRecord, a: NetworkAttachment, settings: NetworkSettings, networks: NetworkStore): Promise<void> {
  let net: NetworkRecord;
  try {
    net = await networks.get(a.NetworkID);
  } catch {
    return; // removed meanwhile: nothing of it to undo
  }
  const ifName = a.Interface ?? 'eth0';
  const portMappings = ifName === 'eth0' ? portMappingsOf(settings) : [];
  const del = (): Promise<void> => cniDel(networks.conflist(net, { ports: portMappings.length > 0 }), { containerId: rec.Id, netns: settings.SandboxKey, ifName, capabilities: { portMappings } }).catch(() => undefined);
  await mkdir('/run/berth', { recursive: true });
  await withLock(bridgeLock(net), 'exclusive', async () => {
    if (portMappings.length === 0) await del();
    else {
      await withLock(IPTABLES_LOCK, 'exclusive', async () => {
        await del();
        await dropIdlePortChains();
      });
    }
  });
}

function bridgeLock(net: NetworkRecord): string {
  return `/run/berth/bridge-${net.Bridge}.lock`;
}

/** Interfaces attached to a bridge now (0 when the bridge is gone). */
function bridgePorts(bridge: string): number {
  try {
    return readdirSync(`/sys/class/net/${bridge}/brif`).length;
  } catch {
    return 0;
  }
}

/**
 * The network state of a container whose start died before recording it: its namespace, if one
 * exists, on the networks a start joins (as attach names their interfaces; the ports unknown).
 */
export async function strayNetwork(rec: ContainerRecord, networks: NetworkStore): Promise<NetworkSettings | undefined> {
  const path = netnsPath(netnsName(rec.Id));
  if (!onNetwork(rec.HostConfig.NetworkMode) || !existsSync(path)) {
    if (existsSync(path)) await deleteNetns(netnsName(rec.Id));
    return undefined;
  }
  const settings: NetworkSettings = { SandboxKey: path, Networks: {} };
  const names = [...(rec.HostConfig.LeftFirstNetwork ? [] : [firstNetwork(rec.HostConfig.NetworkMode)]), ...(rec.HostConfig.ExtraNetworks ?? []).map((e) => e.name)];
  let n = rec.HostConfig.LeftFirstNetwork ? 1 : 0;
  for (const name of names) {
    const net = await networks.get(name).catch(() => undefined);
    const ifName = `eth${n++}`;
    if (net) settings.Networks[net.Name] = { NetworkID: net.Id, IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: '', Aliases: [], Interface: ifName };
  }
  return settings;
}

/** Leaves every network (idempotent), then removes the namespace. */
export async function detach(rec: ContainerRecord, networks: NetworkStore): Promise<void> {
  const settings = rec.NetworkSettings;
  if (!settings) return;
  for (const a of Object.values(settings.Networks)) await leaveOne(rec, a, settings, networks);
  await deleteNetns(netnsName(rec.Id));
}

/** The peers a container reaches by name: the others running on the same user-defined networks. */
export function peersOf(rec: ContainerRecord, settings: NetworkSettings, all: ContainerRecord[]): { ip: string; names: string[] }[] {
  const out: { ip: string; names: string[] }[] = [];
  for (const [name] of Object.entries(settings.Networks)) {
    if (name === DEFAULT_NETWORK) continue; // Docker: no names on the default bridge
    for (const o of all) {
      const a = o.Id !== rec.Id ? o.NetworkSettings?.Networks[name] : undefined;
      if (a) out.push({ ip: a.IPAddress, names: [...new Set([o.Name, o.Config.Hostname, ...a.Aliases])] });
    }
  }
  return out;
}

/** A container's /etc/hosts: its own address, the peers it reaches by name among `all`, its --add-host entries. */
export function hostsOf(c: ContainerRecord, all: ContainerRecord[]): string {
  const s = c.NetworkSettings;
  return hostsFile(c.Config.Hostname, s ? Object.values(s.Networks)[0]?.IPAddress : undefined, s ? peersOf(c, s, all) : [], c.HostConfig.ExtraHosts ?? []);
}

/** Rewrites the /etc/hosts of `targets` on user-defined networks (in place: it is bind-mounted), naming the peers among `all`. */
export async function refreshHosts(targets: ContainerRecord[], all: ContainerRecord[], userdata: (id: string) => string): Promise<void> {
  for (const c of targets) {
    const s = c.NetworkSettings;
    if (!s || Object.keys(s.Networks).every((n) => n === DEFAULT_NETWORK)) continue;
    await writeFile(join(userdata(c.Id), 'hosts'), hostsOf(c, all)).catch(() => undefined);
  }
}
