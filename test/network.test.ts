// Networks end to end on the real runtime and CNI plugins, against Docker's behaviour: `network
// create/ls/inspect/rm/prune`; containers on a user-defined network reaching each other by name and
// short ID (berth writes /etc/hosts where Docker has its resolver); the default bridge without
// names; --network none and host; addresses the host reaches; --subnet/--gateway/--ip-range and
// --internal; published ports (-p, -P, `port`); and nothing left on the host once containers go.
//
// This machine's rule: traffic goes only to 127.0.0.0/8 and to the addresses of containers these
// tests made. Every container gets a resolv.conf naming 127.0.0.1 (its own loopback), so a name
// that does not resolve from /etc/hosts never becomes a query to the host's DNS server; fetch()
// refuses any other destination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { berth, ok, removeContainers, rootWithBusybox, run, type RunResult } from './helpers.ts';

const HEX64 = /^[0-9a-f]{64}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

interface Endpoint {
  NetworkID: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Aliases: string[] | null;
  DNSNames: string[] | null;
}

interface NetworkSettings {
  SandboxKey: string;
  IPAddress: string;
  Gateway: string;
  MacAddress: string;
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  Networks: Record<string, Endpoint>;
}

interface NetworkContainer {
  Name: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

interface Network {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: { Subnet: string; Gateway: string; IPRange?: string }[] | null };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

interface Fixture {
  root: string;
  work: string;
  /** `berth run` with the test's resolv.conf (nameserver 127.0.0.1) mounted, then ARGS. */
  runC(args: string[]): Promise<RunResult>;
}

/** A root with the busybox image; its cleanup removes the containers before the directory. */
async function fixture(t: { after(fn: () => Promise<void>): void }): Promise<Fixture> {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = dirname(root);
  const resolv = join(work, 'resolv.conf');
  await writeFile(resolv, 'nameserver 127.0.0.1\n');
  return { root, work, runC: (args) => berth(root, ['run', '-v', `${resolv}:/etc/resolv.conf:ro`, ...args]) };
}

/** busybox httpd on PORT serving TEXT as / (the container's main process). */
function httpd(text: string, port = 80): string[] {
  return ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p ${port} -h /www`];
}

/** A shell loop fetching URL from inside a container until it answers (the server may still be starting). */
function wgetLoop(url: string): string[] {
  return ['sh', '-c', `for i in $(seq 50); do wget -qO- ${url} 2>/dev/null && exit 0; sleep 0.2; done; echo "no answer from ${url}" >&2; exit 1`];
}

async function settings(root: string, container: string): Promise<NetworkSettings> {
  return JSON.parse((await ok(berth(root, ['inspect', '-f', '{{json .NetworkSettings}}', container]))).stdout) as NetworkSettings;
}

async function endpoint(root: string, container: string, network: string): Promise<Endpoint> {
  const s = await settings(root, container);
  return s.Networks[network] ?? assert.fail(`${container} has no endpoint on ${network}: ${JSON.stringify(s.Networks)}`);
}

async function inspectNetwork(root: string, name: string): Promise<Network> {
  const all = JSON.parse((await ok(berth(root, ['network', 'inspect', name]))).stdout) as Network[];
  assert.equal(all.length, 1);
  return all[0] as Network;
}

async function fullId(root: string, container: string): Promise<string> {
  return (await ok(berth(root, ['inspect', '-f', '{{.Id}}', container]))).stdout.trim();
}

/** A container's /etc/hosts as name → address. */
async function hostsOf(root: string, container: string): Promise<Map<string, string>> {
  const text = (await ok(berth(root, ['exec', container, 'cat', '/etc/hosts']))).stdout;
  const names = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [addr, ...rest] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (addr) for (const n of rest) names.set(n, addr);
  }
  return names;
}

/** Polls GET (for up to 10 s) until CHECK holds; fails with WHAT and the last value. */
async function eventually<T>(get: () => Promise<T> | T, check: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  let v = await get();
  while (!check(v) && Date.now() < deadline) {
    await sleep(100);
    v = await get();
  }
  assert.ok(check(v), `${what} (last seen: ${typeof v === 'string' ? v : JSON.stringify(v instanceof Map ? [...v] : v)})`);
  return v;
}

function inSubnet(ip: string, subnet: string): boolean {
  const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base = '', len = '32'] = subnet.split('/');
  const size = 2 ** (32 - Number(len));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}

function getOnce(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', timeout: 2000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** GET / from the host, retried for up to ~10 s; only to loopback or a container's 10.89.x.y address. */
async function fetch(host: string, port: number): Promise<string> {
  assert.ok(/^127\./.test(host) || /^10\.89\./.test(host), `this machine's rule: no traffic to ${host}`);
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      return await getOnce(host, port);
    } catch (err) {
      last = err;
      await sleep(200);
    }
  }
  throw new Error(`GET http://${host}:${port}/ failed: ${String(last)}`);
}

/** A port nothing listens on now (on 127.0.0.1). */
async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** An HTTP server of the test's own on 127.0.0.1:PORT answering TEXT; closed after the test. */
async function hostServer(t: { after(fn: () => Promise<void>): void }, port: number, text: string): Promise<http.Server> {
  const s = http.createServer((_req, res) => res.end(text));
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', resolve);
  });
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

async function iptablesNat(): Promise<string[]> {
  return (await ok(run('iptables', ['-t', 'nat', '-S']))).stdout.split('\n');
}

/** `berth port` lines. */
async function portLines(root: string, ...args: string[]): Promise<string[]> {
  return (await ok(berth(root, ['port', ...args]))).stdout.split('\n').filter(Boolean);
}

/** The host port of `port NAME PORT`: its 0.0.0.0 line, any other line being the same port on [::]. */
async function randomHostPort(root: string, container: string, port: string): Promise<number> {
  const lines = await portLines(root, container, port);
  const v4 = lines.map((l) => /^0\.0\.0\.0:(\d+)$/.exec(l)).find(Boolean);
  assert.ok(v4, `an IPv4 mapping in ${JSON.stringify(lines)}`);
  const hostPort = Number(v4[1]);
  assert.ok(hostPort > 0 && hostPort < 65536);
  for (const l of lines) assert.ok(l === `0.0.0.0:${hostPort}` || l === `[::]:${hostPort}`, `unexpected line ${l} in ${JSON.stringify(lines)}`);
  return hostPort;
}

/** Go's tabwriter as docker/cli sets it (minwidth 10, padding 3): the table `network ls` prints. */
function table(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(10, ...rows.map((r) => (r[i] as string).length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('') + '\n').join('');
}

/** What a running container has on the host: its namespace, the host end of its veth, its NAT chains. */
interface Traces {
  id: string;
  sandbox: string;
  veth: string;
  chains: string[];
}

async function tracesOf(root: string, container: string): Promise<Traces> {
  const id = await fullId(root, container);
  const { SandboxKey } = await settings(root, container);
  assert.ok(SandboxKey && existsSync(SandboxKey), `the running container has a network namespace: ${SandboxKey}`);
  // The host end of eth0's pair: the host interface whose ifindex is eth0's iflink.
  const iflink = (await ok(berth(root, ['exec', container, 'cat', '/sys/class/net/eth0/iflink']))).stdout.trim();
  const veth = readdirSync('/sys/class/net').find((n) => {
    try {
      return readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8').trim() === iflink;
    } catch {
      return false;
    }
  });
  assert.ok(veth, `the host end of ${container}'s eth0 (ifindex ${iflink})`);
  const chains = new Set<string>();
  for (const l of await iptablesNat()) {
    if (!l.includes(id)) continue;
    for (const m of l.matchAll(/(?:-A|-j) (CNI-[A-Za-z0-9-]+)/g)) if (!/^CNI-HOSTPORT-/.test(m[1] as string)) chains.add(m[1] as string);
  }
  return { id, sandbox: SandboxKey, veth, chains: [...chains] };
}

/** Nothing of these containers is left on the host: no namespace, veth, NAT rule or chain. */
async function noTraces(traces: Traces[]): Promise<void> {
  // NAT rules may be the container's (portmap's, with its ID) or its network's (masquerade): see leftRules.
  for (const tr of traces) {
    await eventually(() => existsSync(tr.sandbox), (v) => !v, `namespace ${tr.sandbox} removed`);
    assert.equal(existsSync(`/run/netns/berth-${tr.id.slice(0, 12)}`), false);
    assert.equal(existsSync(`/sys/class/net/${tr.veth}`), false, `veth ${tr.veth} removed`);
    const nat = await iptablesNat();
    assert.deepEqual(nat.filter((l) => l.includes(tr.id)), [], `no NAT rule mentions ${tr.id}`);
    for (const c of tr.chains) assert.ok(!nat.includes(`-N ${c}`), `chain ${c} removed`);
    const filter = (await ok(run('iptables', ['-S']))).stdout.split('\n');
    assert.deepEqual(filter.filter((l) => l.includes(tr.id)), [], `no filter rule mentions ${tr.id}`);
  }
}

/** iptables rules (nat and filter tables) that mention any of WORDS (container or network IDs, bridges, subnets). */
async function leftRules(words: string[]): Promise<string[]> {
  const lines = [...(await iptablesNat()), ...(await ok(run('iptables', ['-S']))).stdout.split('\n')];
  return lines.filter((l) => words.some((w) => l.includes(w)));
}

/** The host bridge of a network: Docker's br-<12 hex of the ID> for a user-defined one, the one named in the default's options. */
async function bridgeOf(root: string, name: string): Promise<string> {
  const n = await inspectNetwork(root, name);
  if (name !== 'bridge') return `br-${n.Id.slice(0, 12)}`;
  const br = n.Options['com.docker.network.bridge.name'];
  assert.ok(br, `the default network names its bridge: ${JSON.stringify(n.Options)}`);
  return br;
}

test('containers on a user-defined network reach each other by name and by short ID; the default bridge has no names', async (t) => {
  const { root, runC } = await fixture(t);
  await ok(berth(root, ['network', 'create', 'appnet']));
  await ok(berth(root, ['network', 'create', 'othernet']));
  await ok(runC(['-d', '--name', 'srv', '--network', 'appnet', 'busybox', ...httpd('hello-from-srv', 8080)]));
  const srvId = (await fullId(root, 'srv')).slice(0, 12);
  const srvIp = (await endpoint(root, 'srv', 'appnet')).IPAddress;

  assert.equal((await ok(runC(['--rm', '--network', 'appnet', 'busybox', ...wgetLoop('http://srv:8080/')]))).stdout, 'hello-from-srv\n', 'by name');
  assert.equal((await ok(runC(['--rm', '--network', 'appnet', 'busybox', ...wgetLoop(`http://${srvId}:8080/`)]))).stdout, 'hello-from-srv\n', 'by short ID');
  // TCP too (nc), and the name resolves to the address inspect shows.
  const tcp = await ok(runC(['--rm', '--network', 'appnet', 'busybox', 'sh', '-c', 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc srv 8080']));
  assert.match(tcp.stdout, /^HTTP\/1\.[01] 200 OK\r\n[\s\S]*\r\n\r\nhello-from-srv\n$/);
  const ping = await ok(runC(['--rm', '--network', 'appnet', 'busybox', 'ping', '-c', '1', '-W', '5', 'srv']));
  assert.match(ping.stdout, new RegExp(`^PING srv \\(${srvIp.replace(/\./g, '\\.')}\\)`));

  // The default bridge: no names (as Docker's); nor from another user-defined network.
  for (const net of ['bridge', 'othernet']) {
    const r = await runC(['--rm', '--network', net, 'busybox', 'sh', '-c', `cat /etc/hosts; ping -c 1 -W 1 srv; ping -c 1 -W 1 ${srvId}`]);
    assert.notEqual(r.code, 0, `srv does not resolve on ${net}`);
    assert.doesNotMatch(r.stdout, /\bsrv\b/, `no srv in the /etc/hosts of a container on ${net}`);
    assert.doesNotMatch(r.stdout, new RegExp(srvId), `no ${srvId} in the /etc/hosts of a container on ${net}`);
    assert.match(r.stderr, /ping: bad address 'srv'/);
  }
});

test("a stopped or removed container's name leaves the others' /etc/hosts", async (t) => {
  const { root, runC } = await fixture(t);
  await ok(berth(root, ['network', 'create', 'appnet']));
  await ok(runC(['-d', '--name', 'first', '--network', 'appnet', 'busybox', 'sleep', '300']));
  await ok(runC(['-d', '--name', 'second', '--network', 'appnet', 'busybox', 'sleep', '300']));
  await ok(runC(['-d', '--name', 'watcher', '--network', 'appnet', 'busybox', 'sleep', '300']));
  const firstId = (await fullId(root, 'first')).slice(0, 12);
  const secondId = (await fullId(root, 'second')).slice(0, 12);
  const hosts = await hostsOf(root, 'watcher');
  assert.equal(hosts.get('first'), (await endpoint(root, 'first', 'appnet')).IPAddress, 'a container started last names those before it');
  assert.equal(hosts.get(firstId), hosts.get('first'));
  assert.equal(hosts.get('second'), (await endpoint(root, 'second', 'appnet')).IPAddress);
  const watcherIp = (await endpoint(root, 'watcher', 'appnet')).IPAddress;
  assert.equal(hosts.get((await fullId(root, 'watcher')).slice(0, 12)), watcherIp, 'its own hostname (the short ID) names its own address');

  await ok(berth(root, ['rm', '-f', 'first']));
  const afterRm = await eventually(() => hostsOf(root, 'watcher'), (h) => !h.has('first') && !h.has(firstId), "the removed container's name and short ID leave /etc/hosts");
  assert.ok(afterRm.has('second'), 'the others stay');
  const gone = await berth(root, ['exec', 'watcher', 'ping', '-c', '1', '-W', '1', 'first']);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /bad address 'first'/);

  await ok(berth(root, ['stop', '-t', '0', 'second']));
  await eventually(() => hostsOf(root, 'watcher'), (h) => !h.has('second') && !h.has(secondId), "a stopped container's name leaves /etc/hosts (it left the network)");
  // Started again, it is back (the others are rewritten as it joins).
  await ok(berth(root, ['start', 'second']));
  const back = (await endpoint(root, 'second', 'appnet')).IPAddress;
  await eventually(() => hostsOf(root, 'watcher'), (h) => h.get('second') === back, 'a restarted container is named again, at its new address');
});

test("a container started later is added to the earlier ones' /etc/hosts", async (t) => {
  const { root, runC } = await fixture(t);
  await ok(berth(root, ['network', 'create', 'appnet']));
  await ok(runC(['-d', '--name', 'early', '--network', 'appnet', '--add-host', 'extra.example:192.0.2.7', 'busybox', 'sleep', '300']));
  await ok(runC(['-d', '--name', 'late', '--network', 'appnet', 'busybox', ...httpd('hello-from-late', 8080)]));
  const lateIp = (await endpoint(root, 'late', 'appnet')).IPAddress;
  const lateId = (await fullId(root, 'late')).slice(0, 12);
  await eventually(() => hostsOf(root, 'early'), (h) => h.get('late') === lateIp && h.get(lateId) === lateIp, `early's /etc/hosts names late and ${lateId} (${lateIp})`);
  assert.equal((await hostsOf(root, 'early')).get('extra.example'), '192.0.2.7', 'its --add-host entry stays');
  assert.equal((await ok(berth(root, ['exec', 'early', ...wgetLoop('http://late:8080/')]))).stdout, 'hello-from-late\n');
});

test('inspect shows the address, gateway and MAC each container has, and the host reaches it there', async (t) => {
  const { root, runC } = await fixture(t);
  const netId = (await ok(berth(root, ['network', 'create', 'ipnet']))).stdout.trim();
  await ok(runC(['-d', '--name', 'web', '--network', 'ipnet', 'busybox', ...httpd('hello-from-web')]));
  await ok(runC(['-d', '--name', 'web2', '--network', 'ipnet', 'busybox', ...httpd('hello-from-web2')]));
  await ok(runC(['-d', '--name', 'bweb', '--network', 'bridge', 'busybox', ...httpd('hello-from-bweb')]));
  const net = await inspectNetwork(root, 'ipnet');
  const cfg = net.IPAM.Config?.[0] ?? assert.fail('ipnet has an IPAM config');
  assert.match(cfg.Subnet, /^10\.89\.\d+\.0\/24$/, 'from berth\'s pool 10.89.N.0/24');

  const webId = await fullId(root, 'web');
  const ep = await endpoint(root, 'web', 'ipnet');
  assert.equal(ep.NetworkID, netId);
  assert.ok(inSubnet(ep.IPAddress, cfg.Subnet), `${ep.IPAddress} in ${cfg.Subnet}`);
  assert.notEqual(ep.IPAddress, cfg.Gateway);
  assert.equal(ep.Gateway, cfg.Gateway);
  assert.equal(ep.IPPrefixLen, 24);
  assert.match(ep.MacAddress, MAC);
  assert.deepEqual(ep.DNSNames, ['web', webId.slice(0, 12)], 'Docker 25+: the name and the short ID');
  // What the container itself has on eth0.
  const inside = (await ok(berth(root, ['exec', 'web', 'sh', '-c', 'cat /sys/class/net/eth0/address; ip -o -4 addr show eth0; ip route']))).stdout;
  assert.ok(inside.startsWith(`${ep.MacAddress}\n`), `eth0's MAC is ${ep.MacAddress}: ${inside}`);
  assert.match(inside, new RegExp(`inet ${ep.IPAddress.replace(/\./g, '\\.')}/24 `));
  assert.match(inside, new RegExp(`default via ${ep.Gateway.replace(/\./g, '\\.')} dev eth0`));
  const ep2 = await endpoint(root, 'web2', 'ipnet');
  assert.notEqual(ep2.IPAddress, ep.IPAddress, 'each container its own address');
  assert.notEqual(ep2.MacAddress, ep.MacAddress);

  // network inspect lists the running containers with their addresses.
  const listed = net.Containers[webId] ?? assert.fail(`web in ${JSON.stringify(net.Containers)}`);
  assert.equal(listed.Name, 'web');
  assert.equal(listed.IPv4Address, `${ep.IPAddress}/24`);
  assert.equal(listed.MacAddress, ep.MacAddress);
  assert.deepEqual(Object.keys(net.Containers).sort(), [webId, await fullId(root, 'web2')].sort());

  // The default bridge: also at the top of NetworkSettings, as Docker shows it; no DNS names.
  const b = await settings(root, 'bweb');
  const bep = b.Networks.bridge ?? assert.fail(`bweb on bridge: ${JSON.stringify(b.Networks)}`);
  const bcfg = (await inspectNetwork(root, 'bridge')).IPAM.Config?.[0] ?? assert.fail('bridge has an IPAM config');
  assert.ok(inSubnet(bep.IPAddress, bcfg.Subnet), `${bep.IPAddress} in ${bcfg.Subnet}`);
  assert.equal(b.IPAddress, bep.IPAddress);
  assert.equal(b.Gateway, bep.Gateway);
  assert.equal(b.Gateway, bcfg.Gateway);
  assert.equal(b.MacAddress, bep.MacAddress);
  assert.equal(bep.DNSNames, null);
  assert.notEqual(bcfg.Subnet, cfg.Subnet);

  // From the host, straight to the containers' addresses.
  assert.equal(await fetch(ep.IPAddress, 80), 'hello-from-web\n');
  assert.equal(await fetch(ep2.IPAddress, 80), 'hello-from-web2\n');
  assert.equal(await fetch(bep.IPAddress, 80), 'hello-from-bweb\n');
  // A stopped container has no address (Docker releases the endpoint).
  await ok(berth(root, ['stop', '-t', '0', 'web2']));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web2']))).stdout, '\n');
  assert.deepEqual(Object.keys((await inspectNetwork(root, 'ipnet')).Containers), [webId], 'network inspect lists running containers only');
});

test('--network none has only a loopback; --network host shares the host\'s interfaces and name', async (t) => {
  const { root, runC } = await fixture(t);
  assert.equal((await ok(runC(['--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']))).stdout, 'lo\n');
  const links = (await ok(runC(['--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']))).stdout.split('\n').filter(Boolean);
  assert.equal(links.length, 1, links.join('\n'));
  assert.match(links[0] as string, /^1: lo: <LOOPBACK,UP,LOWER_UP>/, 'lo, up');
  await ok(runC(['--name', 'nonet', '--network', 'none', 'busybox', 'true']));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.HostConfig.NetworkMode}}|{{.NetworkSettings.IPAddress}}', 'nonet']))).stdout, 'none|\n');

  // The host's interfaces (those that are not other containers' veths or bridges, which come and go).
  const stable = (): string[] => readdirSync('/sys/class/net').filter((n) => !/^(veth|br-|berth|cni|docker|podman)/.test(n));
  const before = stable();
  const seen = (await ok(runC(['--rm', '--network', 'host', 'busybox', 'sh', '-c', 'ls /sys/class/net; echo ---; for i in /sys/class/net/*; do echo "${i##*/} $(cat $i/address)"; done']))).stdout;
  const [names = '', addrs = ''] = seen.split('---\n');
  const inContainer = names.split('\n').filter(Boolean);
  for (const n of before.filter((x) => stable().includes(x))) {
    assert.ok(inContainer.includes(n), `the host's ${n} is in the container: ${inContainer.join(' ')}`);
    const mac = readFileSync(`/sys/class/net/${n}/address`, 'utf8').trim();
    assert.ok(addrs.split('\n').includes(`${n} ${mac}`), `${n} with the host's address ${mac}`);
  }
  assert.ok(inContainer.includes('lo') && inContainer.length > 1, 'more than a loopback');
  await ok(runC(['--name', 'hostnet', '--network', 'host', 'busybox', 'true']));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.HostConfig.NetworkMode}}', 'hostnet']))).stdout, 'host\n');
  // Docker: a container on the host's network takes the host's name (unless -h says otherwise).
  assert.equal((await ok(runC(['--rm', '--network', 'host', 'busybox', 'hostname']))).stdout, `${hostname()}\n`);
  assert.equal((await ok(runC(['--rm', '--network', 'host', '-h', 'named', 'busybox', 'hostname']))).stdout, 'named\n');
});

test('network create, ls, inspect, rm and prune print as docker network does', async (t) => {
  const { root, runC } = await fixture(t);
  const builtins = async (): Promise<Record<string, string>> => {
    const ids: Record<string, string> = {};
    for (const n of ['bridge', 'host', 'none']) ids[n] = (await ok(berth(root, ['network', 'inspect', '-f', '{{.Id}}', n]))).stdout.trim();
    return ids;
  };
  const ids = await builtins();
  for (const id of Object.values(ids)) assert.match(id, HEX64);

  const zeta = (await ok(berth(root, ['network', 'create', 'zeta']))).stdout;
  assert.match(zeta, /^[0-9a-f]{64}\n$/, 'create prints the new ID');
  const alpha = (await ok(berth(root, ['network', 'create', '--label', 'env=prod', '--label', 'team', 'alpha']))).stdout.trim();
  const zetaId = zeta.trim();
  ids.alpha = alpha;
  ids.zeta = zetaId;
  const short = (n: string): string => (ids[n] as string).slice(0, 12);
  assert.deepEqual(await builtins(), { bridge: ids.bridge, host: ids.host, none: ids.none }, 'the predefined networks keep their IDs');

  await t.test('ls: docker/cli\'s table, sorted by name', async () => {
    const drivers: Record<string, string> = { alpha: 'bridge', bridge: 'bridge', host: 'host', none: 'null', zeta: 'bridge' };
    const order = ['alpha', 'bridge', 'host', 'none', 'zeta'];
    assert.equal((await ok(berth(root, ['network', 'ls']))).stdout, table([['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...order.map((n) => [short(n), n, drivers[n] as string, 'local'])]));
    assert.equal((await ok(berth(root, ['network', 'list', '-q']))).stdout, order.map((n) => `${short(n)}\n`).join(''));
    assert.equal((await ok(berth(root, ['network', 'ls', '--no-trunc', '-q']))).stdout, order.map((n) => `${ids[n]}\n`).join(''));
  });

  await t.test('ls: filters and --format', async () => {
    const names = async (...args: string[]): Promise<string[]> => (await ok(berth(root, ['network', 'ls', '--format', '{{.Name}}', ...args]))).stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(await names(), ['alpha', 'bridge', 'host', 'none', 'zeta']);
    assert.deepEqual(await names('--filter', 'name=alp'), ['alpha'], 'name= matches part of the name');
    assert.deepEqual(await names('--filter', 'driver=bridge'), ['alpha', 'bridge', 'zeta']);
    assert.deepEqual(await names('--filter', 'driver=null'), ['none']);
    assert.deepEqual(await names('--filter', 'type=custom'), ['alpha', 'zeta']);
    assert.deepEqual(await names('--filter', 'type=builtin'), ['bridge', 'host', 'none']);
    assert.deepEqual(await names('--filter', 'label=team'), ['alpha']);
    assert.deepEqual(await names('--filter', 'label=env=prod'), ['alpha']);
    assert.deepEqual(await names('--filter', 'label=env=dev'), []);
    assert.deepEqual(await names('--filter', `id=${short('zeta')}`), ['zeta']);
    assert.equal((await ok(berth(root, ['network', 'ls', '--filter', 'name=zeta', '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.Internal}}']))).stdout, `${short('zeta')} zeta bridge local false\n`);
    const table2 = (await ok(berth(root, ['network', 'ls', '--filter', 'type=custom']))).stdout;
    assert.equal(table2, table([['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], [short('alpha'), 'alpha', 'bridge', 'local'], [short('zeta'), 'zeta', 'bridge', 'local']]));
  });

  await t.test('inspect: Docker\'s network objects', async () => {
    const raw = (await ok(berth(root, ['network', 'inspect', 'alpha']))).stdout;
    assert.ok(raw.startsWith('[\n    {\n'), `indented as docker inspect: ${raw}`);
    const n = await inspectNetwork(root, 'alpha');
    for (const k of ['Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels']) assert.ok(k in n, `${k} in ${Object.keys(n).join(', ')}`);
    assert.equal(n.Name, 'alpha');
    assert.equal(n.Id, alpha);
    assert.equal(n.Driver, 'bridge');
    assert.equal(n.Scope, 'local');
    assert.equal(n.EnableIPv6, false);
    assert.equal(n.Internal, false);
    assert.equal(n.Attachable, false);
    assert.equal(n.Ingress, false);
    assert.equal(n.ConfigOnly, false);
    assert.deepEqual(n.ConfigFrom, { Network: '' });
    assert.deepEqual(n.Labels, { env: 'prod', team: '' });
    assert.deepEqual(n.Containers, {});
    assert.ok(Math.abs(Date.parse(n.Created) - Date.now()) < 10 * 60_000, `created just now: ${n.Created}`);
    assert.equal(n.IPAM.Driver, 'default');
    const cfg = n.IPAM.Config?.[0] ?? assert.fail('an IPAM config');
    assert.match(cfg.Subnet, /^10\.89\.\d+\.0\/24$/);
    assert.equal(cfg.Gateway, cfg.Subnet.replace(/0\/24$/, '1'));
    const zcfg = (await inspectNetwork(root, 'zeta')).IPAM.Config?.[0];
    assert.notEqual(zcfg?.Subnet, cfg.Subnet, 'each network its own subnet');
    // By ID and by unique ID prefix; several at once; -f.
    assert.equal((await inspectNetwork(root, alpha)).Name, 'alpha');
    assert.equal((await inspectNetwork(root, short('alpha'))).Name, 'alpha');
    assert.equal((await ok(berth(root, ['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}}', 'bridge', 'host', 'none', 'zeta']))).stdout, 'bridge bridge local\nhost host local\nnone null local\nzeta bridge local\n');
    assert.equal((await ok(berth(root, ['network', 'inspect', '-f', '{{index .Labels "env"}}|{{index .Labels "nope"}}|', 'alpha']))).stdout, 'prod||\n');
  });

  await t.test('inspect: a user-defined network has no driver options unless given (-o)', async () => {
    assert.deepEqual((await inspectNetwork(root, 'zeta')).Options, {});
  });

  await t.test('rm and prune', async () => {
    // rm prints each network as it was named; by ID prefix too.
    assert.equal((await ok(berth(root, ['network', 'rm', 'alpha', short('zeta')]))).stdout, `alpha\n${short('zeta')}\n`);
    assert.equal((await ok(berth(root, ['network', 'ls', '-q']))).stdout, ['bridge', 'host', 'none'].map((n) => `${short(n)}\n`).join(''));
    assert.equal((await ok(berth(root, ['network', 'rm', '-f', 'alpha']))).stdout, '', '-f: a missing network is no error');

    for (const n of ['p1', 'p2', 'kept', 'kept2']) await ok(berth(root, ['network', 'create', n]));
    await ok(runC(['-d', '--name', 'user', '--network', 'kept', 'busybox', 'sleep', '300']));
    const kept2 = (await ok(berth(root, ['network', 'inspect', '-f', '{{.Id}}', 'kept2']))).stdout.trim();
    await ok(runC(['-d', '--name', 'user2', '--network', kept2, 'busybox', 'sleep', '300']));
    const asked = await berth(root, ['network', 'prune'], { input: 'n\n' });
    assert.match(asked.stdout, /^WARNING! This will remove all custom networks not used by at least one container\.\nAre you sure you want to continue\? \[y\/N\] /);
    assert.equal((await ok(berth(root, ['network', 'ls', '-q', '--filter', 'type=custom']))).stdout.split('\n').filter(Boolean).length, 4, 'answering no removes nothing');
    const prunedText = (await ok(berth(root, ['network', 'prune', '-f']))).stdout;
    const pruned = prunedText.split('\n');
    assert.equal(pruned[0], 'Deleted Networks:');
    assert.deepEqual(pruned.slice(1, 3).sort(), ['p1', 'p2'], 'the networks no container uses, by name');
    assert.deepEqual((await ok(berth(root, ['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=custom']))).stdout, 'kept\nkept2\n', 'networks in use stay (by name or by ID)');
    assert.equal((await ok(berth(root, ['network', 'prune', '-f']))).stdout, '', 'nothing to prune: nothing printed');
    assert.deepEqual(pruned.slice(3), ['', ''], `docker/cli prints the report with Println: a blank line ends it: ${JSON.stringify(prunedText)}`);
  });
});

test('network errors: messages and exit codes as Docker\'s', async (t) => {
  const { root, runC } = await fixture(t);
  await ok(berth(root, ['network', 'create', 'dup']));

  await t.test('an existing name', async () => {
    const again = await berth(root, ['network', 'create', 'dup']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /network with name dup already exists/);
    assert.equal((await ok(berth(root, ['network', 'ls', '-q', '--filter', 'name=dup']))).stdout.split('\n').filter(Boolean).length, 1, 'still one dup');
  });

  await t.test('an existing name: the daemon\'s error, as docker/cli prints it', async () => {
    const again = await berth(root, ['network', 'create', 'dup']);
    assert.deepEqual([again.code, again.stderr], [1, 'Error response from daemon: network with name dup already exists\n']);
  });

  await t.test('missing networks', async () => {
    const rm = await berth(root, ['network', 'rm', 'nope']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /network nope not found/);
    const inspect = await berth(root, ['network', 'inspect', 'nope']);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /network nope not found|No such network: nope/);
    const runNope = await runC(['--network', 'nope', 'busybox', 'true']);
    assert.equal(runNope.code, 125);
    assert.match(runNope.stderr, /network nope not found/);
    const createNope = await berth(root, ['create', '--network', 'nope', 'busybox', 'true']);
    assert.equal(createNope.code, 125);
    assert.match(createNope.stderr, /network nope not found/);
    assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '', 'no container was made');
    // rm of several: the missing one reported, the others removed, exit 1.
    await ok(berth(root, ['network', 'create', 'other']));
    const some = await berth(root, ['network', 'rm', 'nope', 'other']);
    assert.equal(some.code, 1);
    assert.equal(some.stdout, 'other\n');
    assert.match(some.stderr, /network nope not found/);
  });

  await t.test('the predefined networks', async () => {
    for (const n of ['host', 'none', 'bridge']) {
      const rm = await berth(root, ['network', 'rm', n]);
      assert.equal(rm.code, 1);
      assert.match(rm.stderr, new RegExp(`${n} is a pre-defined network and cannot be removed`));
    }
    // moby's createNetwork refuses every predefined name first (bridge included), before any name conflict.
    for (const n of ['host', 'none', 'bridge']) {
      const create = await berth(root, ['network', 'create', n]);
      assert.equal(create.code, 1);
      assert.match(create.stderr, new RegExp(`operation is not permitted on predefined ${n} network`));
    }
    assert.deepEqual((await ok(berth(root, ['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=builtin']))).stdout.split('\n').filter(Boolean).sort(), ['bridge', 'host', 'none']);
  });

  await t.test('a network in use', async () => {
    await ok(berth(root, ['network', 'create', 'busy']));
    await ok(runC(['-d', '--name', 'busybody', '--network', 'busy', 'busybox', 'sleep', '300']));
    const rm = await berth(root, ['network', 'rm', 'busy']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /error while removing network: network busy .*has active endpoints/);
    assert.equal((await ok(berth(root, ['network', 'ls', '-q', '--filter', 'name=busy']))).stdout.split('\n').filter(Boolean).length, 1, 'still there');
    await ok(berth(root, ['rm', '-f', 'busybody']));
    assert.equal((await ok(berth(root, ['network', 'rm', 'busy']))).stdout, 'busy\n', 'removable once the container is gone');
  });

  await t.test('bridge is predefined even while in use (Docker checks that first)', async () => {
    await ok(runC(['-d', '--name', 'onbridge', '--network', 'bridge', 'busybox', 'sleep', '300']));
    const rm = await berth(root, ['network', 'rm', 'bridge']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /bridge is a pre-defined network and cannot be removed/);
  });
});

test('--subnet, --gateway and --ip-range choose the addresses; an --internal network still connects its containers', async (t) => {
  const { root, runC } = await fixture(t);
  await ok(berth(root, ['network', 'create', '--subnet', '10.89.200.0/24', 'fixed']));
  const fixedCfg = (await inspectNetwork(root, 'fixed')).IPAM.Config?.[0];
  assert.deepEqual({ Subnet: fixedCfg?.Subnet, Gateway: fixedCfg?.Gateway }, { Subnet: '10.89.200.0/24', Gateway: '10.89.200.1' }, 'the gateway: the subnet\'s first address');
  await ok(runC(['-d', '--name', 'infixed', '--network', 'fixed', 'busybox', ...httpd('hello-fixed')]));
  const fixed = await endpoint(root, 'infixed', 'fixed');
  assert.ok(inSubnet(fixed.IPAddress, '10.89.200.0/24'), fixed.IPAddress);
  assert.equal(fixed.Gateway, '10.89.200.1');
  assert.equal(await fetch(fixed.IPAddress, 80), 'hello-fixed\n');

  const overlap = await berth(root, ['network', 'create', '--subnet', '10.89.200.128/25', 'overlapping']);
  assert.equal(overlap.code, 1);
  assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);

  await ok(berth(root, ['network', 'create', '--subnet', '10.89.201.0/24', '--gateway', '10.89.201.254', '--ip-range', '10.89.201.128/25', 'ranged']));
  const rcfg = (await inspectNetwork(root, 'ranged')).IPAM.Config?.[0];
  assert.deepEqual(rcfg, { Subnet: '10.89.201.0/24', Gateway: '10.89.201.254', IPRange: '10.89.201.128/25' });
  for (const n of ['r1', 'r2']) await ok(runC(['-d', '--name', n, '--network', 'ranged', 'busybox', 'sleep', '300']));
  for (const n of ['r1', 'r2']) {
    const ep = await endpoint(root, n, 'ranged');
    assert.ok(inSubnet(ep.IPAddress, '10.89.201.128/25'), `${n}: ${ep.IPAddress} in the --ip-range`);
    assert.equal(ep.Gateway, '10.89.201.254');
    assert.equal(ep.IPPrefixLen, 24, 'the prefix is the subnet\'s, not the range\'s');
    assert.match((await ok(berth(root, ['exec', n, 'ip', 'route']))).stdout, /default via 10\.89\.201\.254 dev eth0/);
  }

  // A network of 5 addresses: the sixth, seventh… container gets one only if the earlier ones gave theirs back.
  await ok(berth(root, ['network', 'create', '--subnet', '10.89.202.0/29', 'tiny']));
  for (let i = 0; i < 7; i++) {
    const r = await runC(['--rm', '--network', 'tiny', 'busybox', 'sh', '-c', 'ip -o -4 addr show eth0']);
    assert.equal(r.code, 0, `container ${i + 1} in a /29 gets an address: ${r.stderr}`);
    assert.match(r.stdout, /inet 10\.89\.202\.[2-6]\/29 /);
  }

  // --internal: no way out (no default route), but its containers talk to each other by name.
  await ok(berth(root, ['network', 'create', '--internal', 'inside']));
  assert.equal((await inspectNetwork(root, 'inside')).Internal, true);
  await ok(runC(['-d', '--name', 'isrv', '--network', 'inside', 'busybox', ...httpd('hello-inside', 8080)]));
  const client = await ok(runC(['--rm', '--network', 'inside', 'busybox', 'sh', '-c', 'ip route; echo ---; for i in $(seq 50); do wget -qO- http://isrv:8080/ 2>/dev/null && exit 0; sleep 0.2; done; exit 1']));
  const [routes = '', body = ''] = client.stdout.split('---\n');
  assert.doesNotMatch(routes, /default/, `no default route on an internal network: ${routes}`);
  assert.equal(body, 'hello-inside\n');
});

test('containers on different networks cannot reach each other (Docker isolates its bridges)', async (t) => {
  const { root, runC } = await fixture(t);
  await ok(berth(root, ['network', 'create', 'neta']));
  await ok(runC(['-d', '--name', 'asrv', '--network', 'neta', 'busybox', ...httpd('hello-a')]));
  const ip = (await endpoint(root, 'asrv', 'neta')).IPAddress;
  assert.equal(await fetch(ip, 80), 'hello-a\n', 'the server answers (the host reaches it)');
  await ok(berth(root, ['network', 'create', 'netb']));
  for (const net of ['netb', 'bridge']) {
    const r = await runC(['--rm', '--network', net, 'busybox', 'sh', '-c', `printf "GET / HTTP/1.0\\r\\n\\r\\n" | timeout 5 nc -w 3 ${ip} 80`]);
    assert.doesNotMatch(r.stdout, /hello-a/, `a container on ${net} does not reach ${ip} on neta`);
  }
});

test('-p publishes a container port on a host address and port; `port` prints the mappings', async (t) => {
  const { root, runC } = await fixture(t);
  const hostPort = await freePort();
  await ok(runC(['-d', '--name', 'web', '--network', 'bridge', '-p', `127.0.0.1:${hostPort}:80`, 'busybox', ...httpd('hello-published')]));
  assert.equal(await fetch('127.0.0.1', hostPort), 'hello-published\n');
  assert.deepEqual(await portLines(root, 'web', '80'), [`127.0.0.1:${hostPort}`]);
  assert.deepEqual(await portLines(root, 'web', '80/tcp'), [`127.0.0.1:${hostPort}`]);
  assert.deepEqual(await portLines(root, 'web'), [`80/tcp -> 127.0.0.1:${hostPort}`]);
  const notPublished = await berth(root, ['port', 'web', '81']);
  assert.equal(notPublished.code, 1);
  assert.match(notPublished.stderr, /no public port '81(\/tcp)?' published for web/i, 'as docker/cli words it (older: 81/tcp, newer: the port as given)');
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{json .HostConfig.PortBindings}}', 'web']))).stdout, `{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"${hostPort}"}]}\n`);
  assert.deepEqual((await settings(root, 'web')).Ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] });
  assert.ok('80/tcp' in JSON.parse((await ok(berth(root, ['inspect', '-f', '{{json .Config.ExposedPorts}}', 'web']))).stdout), 'a published port is exposed');
  assert.match((await ok(berth(root, ['ps', '--filter', 'name=web', '--format', '{{.Ports}}']))).stdout, new RegExp(`127\\.0\\.0\\.1:${hostPort}->80/tcp`));

  // -p CONTAINERPORT: a random host port on all addresses, reached through 127.0.0.1.
  await ok(runC(['-d', '--name', 'rand', '--network', 'bridge', '-p', '80', 'busybox', ...httpd('hello-random')]));
  const randPort = await randomHostPort(root, 'rand', '80');
  assert.notEqual(randPort, hostPort);
  assert.equal(await fetch('127.0.0.1', randPort), 'hello-random\n');
  assert.ok((await portLines(root, 'rand')).includes(`80/tcp -> 0.0.0.0:${randPort}`));
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{json .HostConfig.PortBindings}}', 'rand']))).stdout, '{"80/tcp":[{"HostIp":"","HostPort":""}]}\n');

  // HOSTPORT:CONTAINERPORT on a user-defined network, and two ports of one container.
  await ok(berth(root, ['network', 'create', 'pubnet']));
  const [a, b] = [await freePort(), await freePort()];
  await ok(runC(['-d', '--name', 'two', '--network', 'pubnet', '-p', `127.0.0.1:${a}:8080`, '-p', `${b}:8081`, 'busybox', 'sh', '-c', 'mkdir /a /b && echo port-a > /a/index.html && echo port-b > /b/index.html && httpd -p 8080 -h /a && exec httpd -f -p 8081 -h /b']));
  assert.equal(await fetch('127.0.0.1', a), 'port-a\n');
  assert.equal(await fetch('127.0.0.1', b), 'port-b\n');
  assert.deepEqual(await portLines(root, 'two', '8080'), [`127.0.0.1:${a}`]);
  assert.equal(await randomHostPort(root, 'two', '8081'), b);

  // Gone with the container: the port is free again and reaches the host's own server.
  const traces = [await tracesOf(root, 'web'), await tracesOf(root, 'rand'), await tracesOf(root, 'two')];
  await removeContainers(root);
  await noTraces(traces);
  await hostServer(t, hostPort, 'the-host-again');
  assert.equal(await fetch('127.0.0.1', hostPort), 'the-host-again', 'no forwarding left on the port');
});

test('-P publishes the image\'s EXPOSEd ports and --expose ones on random host ports', async (t) => {
  const { root, work, runC } = await fixture(t);
  const ctx = join(work, 'exposing');
  await mkdir(ctx);
  await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nEXPOSE 80\n');
  await ok(berth(root, ['build', '-t', 'exposing', ctx]));
  await ok(runC(['-d', '--name', 'all', '--network', 'bridge', '-P', '--expose', '8080', 'exposing', 'sh', '-c', 'mkdir /a /b && echo exposed-80 > /a/index.html && echo exposed-8080 > /b/index.html && httpd -p 8080 -h /b && exec httpd -f -p 80 -h /a']));
  const p80 = await randomHostPort(root, 'all', '80');
  const p8080 = await randomHostPort(root, 'all', '8080/tcp');
  assert.notEqual(p80, p8080);
  assert.equal(await fetch('127.0.0.1', p80), 'exposed-80\n');
  assert.equal(await fetch('127.0.0.1', p8080), 'exposed-8080\n');
  const lines = await portLines(root, 'all');
  for (const l of [`80/tcp -> 0.0.0.0:${p80}`, `8080/tcp -> 0.0.0.0:${p8080}`]) assert.ok(lines.includes(l), `${l} in ${JSON.stringify(lines)}`);
  assert.ok(lines.findLastIndex((l) => l.startsWith('80/tcp')) < lines.findIndex((l) => l.startsWith('8080/tcp')), `docker/cli sorts the lines (natural order): ${JSON.stringify(lines)}`);
  const ports = (await settings(root, 'all')).Ports;
  assert.deepEqual(ports['80/tcp']?.find((p) => p.HostIp === '0.0.0.0'), { HostIp: '0.0.0.0', HostPort: String(p80) });
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.HostConfig.PublishAllPorts}}', 'all']))).stdout, 'true\n');

  // Without -P, EXPOSE publishes nothing.
  await ok(runC(['-d', '--name', 'quiet', '--network', 'bridge', 'exposing', 'sleep', '300']));
  assert.deepEqual(await portLines(root, 'quiet'), []);
});

test('a host port already in use makes run fail before the container starts', async (t) => {
  const { root, runC } = await fixture(t);
  const port = await freePort();
  await hostServer(t, port, 'the-host');

  const taken = await runC(['-d', '--name', 'clash', '--network', 'bridge', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('from-the-container')]);
  assert.equal(taken.code, 125, taken.stderr);
  assert.match(taken.stderr, /address already in use|port is already allocated/);
  assert.equal((await ok(berth(root, ['inspect', '-f', '{{.State.Status}} {{.State.Running}}', 'clash']))).stdout, 'created false\n', 'never started');
  assert.equal(await fetch('127.0.0.1', port), 'the-host', 'the host\'s server still answers on its port');
  // The port on all addresses overlaps 127.0.0.1:PORT.
  const all = await runC(['-d', '--name', 'clash2', '--network', 'bridge', '-p', `${port}:80`, 'busybox', ...httpd('from-the-container')]);
  assert.equal(all.code, 125, all.stderr);
  assert.match(all.stderr, /address already in use|port is already allocated/);
  assert.equal(await fetch('127.0.0.1', port), 'the-host');
  const clashId = await fullId(root, 'clash');
  assert.deepEqual((await iptablesNat()).filter((l) => l.includes(clashId)), [], 'no NAT rule left by the failed start');

  // A port another container publishes is taken too.
  const other = await freePort();
  await ok(runC(['-d', '--name', 'holder', '--network', 'bridge', '-p', `127.0.0.1:${other}:80`, 'busybox', ...httpd('from-holder')]));
  assert.equal(await fetch('127.0.0.1', other), 'from-holder\n');
  const second = await runC(['-d', '--name', 'second', '--network', 'bridge', '-p', `127.0.0.1:${other}:80`, 'busybox', ...httpd('from-second')]);
  assert.equal(second.code, 125, second.stderr);
  assert.match(second.stderr, /port is already allocated|address already in use/);
  assert.equal(await fetch('127.0.0.1', other), 'from-holder\n', 'the first keeps its port');
});

// conmon holds a socket bound on each published port (as Podman's does; Docker's docker-proxy
// holds it too): a later listener cannot take the port and be shadowed by the DNAT rule.
test('a published port is held on the host while the container runs (as docker-proxy holds it)', async (t) => {
  const { runC } = await fixture(t);
  const port = await freePort();
  await ok(runC(['-d', '--name', 'holder', '--network', 'bridge', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('from-holder')]));
  assert.equal(await fetch('127.0.0.1', port), 'from-holder\n');
  const s = http.createServer();
  const listened = await new Promise<string>((resolve) => {
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
    s.listen(port, '127.0.0.1', () => resolve('listening'));
  });
  if (listened === 'listening') await new Promise((r) => s.close(r));
  assert.equal(listened, 'EADDRINUSE', `another process cannot take 127.0.0.1:${port} from the container`);
});

test('a container leaves no namespace or veth behind (stopped, exited, run --rm or removed); bridges and rules stay until network rm and system reset', async (t) => {
  const { root, runC } = await fixture(t);
  await ok(berth(root, ['network', 'create', 'tidy']));
  await ok(runC(['-d', '--name', 'onuser', '--network', 'tidy', 'busybox', 'sleep', '300']));
  await ok(runC(['-d', '--name', 'onbridge', '--network', 'bridge', 'busybox', 'sleep', '300']));
  const userBridge = await bridgeOf(root, 'tidy');
  const defaultBridge = await bridgeOf(root, 'bridge');
  assert.match(defaultBridge, /^(berth|br-)/);
  for (const br of [userBridge, defaultBridge]) assert.ok(existsSync(`/sys/class/net/${br}/bridge`), `sanity: ${br} is a bridge while containers use it`);
  const onUser = await tracesOf(root, 'onuser');
  const onBridge = await tracesOf(root, 'onbridge');
  assert.ok(existsSync(`/sys/class/net/${userBridge}/brif/${onUser.veth}`), `${onUser.veth} is on ${userBridge}`);
  assert.ok(existsSync(`/sys/class/net/${defaultBridge}/brif/${onBridge.veth}`), `${onBridge.veth} is on ${defaultBridge}`);
  // What could name this test's networks in iptables: their IDs (short and full) and bridges.
  const netWords: string[] = [userBridge, defaultBridge];
  for (const n of ['tidy', 'bridge']) {
    const info = await inspectNetwork(root, n);
    netWords.push(info.Id, info.Id.slice(0, 12));
  }
  const ports = (): string[] => readdirSync(`/sys/class/net/${userBridge}/brif`).sort();
  assert.deepEqual(ports(), [onUser.veth]);

  // run --rm: its veth is gone when run returns.
  await ok(runC(['--rm', '--network', 'tidy', 'busybox', 'true']));
  assert.deepEqual(ports(), [onUser.veth], 'run --rm leaves no veth on the bridge');

  // A container that exits by itself leaves the network (conmon's exit command).
  await ok(runC(['-d', '--name', 'brief', '--network', 'tidy', 'busybox', 'sh', '-c', 'sleep 2']));
  const brief = await tracesOf(root, 'brief');
  await eventually(() => berth(root, ['inspect', '-f', '{{.State.Status}}', 'brief']).then((r) => r.stdout.trim()), (s) => s === 'exited', 'brief exits');
  await noTraces([brief]);
  assert.deepEqual(ports(), [onUser.veth]);

  // Stopped: out of the network; started again: back on it.
  await ok(berth(root, ['stop', '-t', '0', 'onuser']));
  await noTraces([onUser]);
  assert.ok(!existsSync(`/sys/class/net/${userBridge}`) || ports().length === 0, 'nothing on the bridge of a network no container runs on');
  await ok(berth(root, ['start', 'onuser']));
  const again = await tracesOf(root, 'onuser');
  assert.match((await ok(berth(root, ['exec', 'onuser', 'ip', '-o', '-4', 'addr', 'show', 'eth0']))).stdout, /inet 10\.89\.\d+\.\d+\/24 /);

  // Removed: nothing of theirs left; the bridges and their rules stay with their networks (as docker0 does).
  await removeContainers(root);
  await noTraces([onUser, onBridge, again]);
  for (const br of [userBridge, defaultBridge]) assert.deepEqual(readdirSync(`/sys/class/net/${br}/brif`), [], `bridge ${br} kept, with no interface on it`);
  assert.notDeepEqual(await leftRules([userBridge]), [], 'the network\'s rules are kept');
  // network rm takes its bridge and rules; system reset the default network's.
  assert.equal((await ok(berth(root, ['network', 'rm', 'tidy']))).stdout, 'tidy\n');
  assert.equal(existsSync(`/sys/class/net/${userBridge}`), false, `bridge ${userBridge} removed with its network`);
  assert.deepEqual(await leftRules([userBridge]), [], 'its rules too');
  assert.ok(existsSync(`/sys/class/net/${defaultBridge}`));
  assert.equal((await ok(berth(root, ['system', 'reset', '-f']))).stdout, '');
  assert.equal(existsSync(`/sys/class/net/${defaultBridge}`), false, `bridge ${defaultBridge} removed by system reset`);
  assert.equal(existsSync(root), false, 'system reset removes the root');
  assert.deepEqual(await leftRules(netWords), [], 'no rule of either network is left (their subnets may be other roots\' by now)');
  // No interface of this test left on the host: its veths are gone with their namespaces.
  const id12s = [onUser, onBridge, again, brief].map((x) => x.id.slice(0, 12));
  assert.deepEqual(readdirSync('/run/netns').filter((n) => id12s.some((id) => n.includes(id))), []);
});

test('kept bridges: the default network cannot be removed by ID; a root deleted without system reset leaves a bridge the next root at that path replaces; a bridge given by name stays; system reset refuses /', async (t) => {
  const { root, runC } = await fixture(t);
  await ok(runC(['--rm', 'busybox', 'true']));
  const bridge = await bridgeOf(root, 'bridge');
  const id = (await inspectNetwork(root, 'bridge')).Id;
  const byId = await berth(root, ['network', 'rm', id]);
  assert.equal(byId.code, 1);
  assert.match(byId.stderr, /bridge is a pre-defined network and cannot be removed/);
  assert.ok(existsSync(`/sys/class/net/${bridge}`), 'the default bridge is still there');

  // Deleted with rm -rf: its bridge stays with the old address; a new root there gets another
  // subnet, and its first container replaces the stale bridge (and the rules naming it).
  const images = join(dirname(root), 'busybox.tar');
  await ok(berth(root, ['save', '-o', images, 'busybox']));
  await removeContainers(root);
  await ok(run('rm', ['-rf', root]));
  await ok(berth(root, ['load', '-q', '-i', images]));
  await ok(runC(['--rm', 'busybox', 'true']));
  const gateway = (await inspectNetwork(root, 'bridge')).IPAM.Config?.[0]?.Gateway ?? assert.fail('a gateway');
  assert.equal(await bridgeOf(root, 'bridge'), bridge, 'the same bridge name for the same root path');
  assert.match((await ok(run('ip', ['-4', '-o', 'addr', 'show', bridge]))).stdout, new RegExp(`inet ${gateway.replace(/\./g, '\\.')}/`));
  const newId = (await inspectNetwork(root, 'bridge')).Id.slice(0, 12);
  assert.deepEqual((await leftRules([bridge])).filter((r) => !r.includes(`berth network ${newId}`)), [], 'no rule of the old network is left');

  // A bridge that was there before the network: used, never deleted.
  const foreign = `bf${process.pid % 100000}`;
  await ok(run('ip', ['link', 'add', foreign, 'type', 'bridge']));
  t.after(() => run('ip', ['link', 'del', foreign]).then(() => undefined));
  await ok(berth(root, ['network', 'create', '-o', `com.docker.network.bridge.name=${foreign}`, 'given']));
  await ok(runC(['--rm', '--network', 'given', 'busybox', 'true']));
  await ok(berth(root, ['network', 'rm', 'given']));
  assert.ok(existsSync(`/sys/class/net/${foreign}`), `${foreign} was not berth's to delete`);

  const slash = await berth('/', ['system', 'reset', '-f']);
  assert.equal(slash.code, 1);
  assert.match(slash.stderr, /refusing to reset a root of "\/"/);
  assert.equal(existsSync('/blobs') || existsSync('/layers'), false, 'nothing made in /');
});

test('--network container:NAME shares that container namespace, name and /etc files; it must be running; no -p with it', async (t) => {
  const { root, runC } = await fixture(t);
  // The fixture's cleanup removes the containers, then resets the root (its networks' bridges and rules).
  await ok(berth(root, ['network', 'create', 'shared']));
  await ok(runC(['-d', '--name', 'owner', '--network', 'shared', 'busybox', ...httpd('from-the-owner', 8080)]));
  const own = await endpoint(root, 'owner', 'shared');
  const joined = await ok(runC(['--rm', '--network', 'container:owner', 'busybox', 'sh', '-c', `hostname; ip -4 -o addr show eth0 | grep -o 'inet ${own.IPAddress.replace(/\./g, '\\.')}/' | tr -d 'inet /'; ${wgetLoop('http://127.0.0.1:8080/').slice(2).join(' ')}`]));
  const ownerHostname = (await ok(berth(root, ['exec', 'owner', 'hostname']))).stdout;
  assert.equal(joined.stdout, `${ownerHostname}${own.IPAddress}\nfrom-the-owner\n`, 'same hostname, same address, its localhost');
  const ports = await berth(root, ['run', '--rm', '--network', 'container:owner', '-p', '80', 'busybox', 'true']);
  assert.equal(ports.code, 125);
  assert.match(ports.stderr, /conflicting options: port publishing and the container type network mode/);
  await ok(berth(root, ['stop', '-t', '1', 'owner']));
  const stopped = await berth(root, ['run', '--rm', '--network', 'container:owner', 'busybox', 'true']);
  assert.notEqual(stopped.code, 0);
  assert.match(stopped.stderr, /cannot join network of a non running container: owner/);
});

test('network connect and disconnect: a running container joins a second network at once (a new interface, its name there), keeps it across restarts, and leaves it', async (t) => {
  const { root, runC } = await fixture(t);
  for (const n of ['front', 'back']) await ok(berth(root, ['network', 'create', n]));
  await ok(runC(['-d', '--name', 'db', '--network', 'back', 'busybox', ...httpd('db-answer', 5432)]));
  await ok(runC(['-d', '--name', 'api', '--network', 'front', 'busybox', 'sleep', '300']));
  const before = await berth(root, ['exec', 'api', 'sh', '-c', 'grep -w db /etc/hosts']);
  assert.notEqual(before.code, 0, 'not on the same network yet');
  await ok(berth(root, ['network', 'connect', '--alias', 'service', 'back', 'api']));
  assert.equal((await ok(berth(root, ['exec', 'api', 'sh', '-c', 'wget -qO- http://db:5432/ && ip -o link show eth1 >/dev/null && echo eth1']))).stdout, 'db-answer\neth1\n');
  assert.match((await ok(berth(root, ['exec', 'db', 'cat', '/etc/hosts']))).stdout, /\tapi \w{12} service\n/, 'db now names api, with its alias');
  const again = await berth(root, ['network', 'connect', 'back', 'api']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^Error response from daemon: .*already exists in network back/);
  await ok(berth(root, ['restart', '-t', '1', 'api']));
  assert.equal((await ok(berth(root, ['exec', 'api', 'sh', '-c', wgetLoop('http://db:5432/').slice(2).join(' ')]))).stdout, 'db-answer\n', 'still on back after a restart');
  await ok(berth(root, ['network', 'disconnect', 'back', 'api']));
  const gone = await berth(root, ['exec', 'api', 'sh', '-c', 'ip -o link show eth1']);
  assert.notEqual(gone.code, 0, 'eth1 is gone');
  assert.doesNotMatch((await ok(berth(root, ['exec', 'db', 'cat', '/etc/hosts']))).stdout, /\tapi /);
  // Its first network too, as Docker allows: eth0 goes, and stays gone across a restart.
  await ok(runC(['-d', '--name', 'web', '--network', 'front', 'busybox', 'sleep', '300']));
  assert.match((await ok(berth(root, ['exec', 'web', 'cat', '/etc/hosts']))).stdout, /\tapi /);
  await ok(berth(root, ['network', 'disconnect', 'front', 'api']));
  assert.notEqual((await berth(root, ['exec', 'api', 'sh', '-c', 'ip -o link show eth0'])).code, 0, 'eth0 is gone');
  assert.doesNotMatch((await ok(berth(root, ['exec', 'web', 'cat', '/etc/hosts']))).stdout, /\tapi /, 'web no longer names api');
  const notOn = await berth(root, ['network', 'disconnect', 'front', 'api']);
  assert.equal(notOn.code, 1);
  assert.match(notOn.stderr, /is not connected to network front/);
  await ok(berth(root, ['restart', '-t', '1', 'api']));
  assert.equal((await ok(berth(root, ['exec', 'api', 'sh', '-c', 'ls /sys/class/net | sort | tr "\\n" " "']))).stdout, 'lo ', 'only loopback after a restart');
  assert.deepEqual(Object.keys(JSON.parse((await ok(berth(root, ['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'api']))).stdout)), []);
  // And back on it: eth0 again, named by its peers.
  await ok(berth(root, ['network', 'connect', 'front', 'api']));
  assert.equal((await ok(berth(root, ['exec', 'api', 'sh', '-c', 'ip -o link show eth0 >/dev/null && echo eth0']))).stdout, 'eth0\n');
  assert.match((await ok(berth(root, ['exec', 'web', 'cat', '/etc/hosts']))).stdout, /\tapi /);
  assert.deepEqual(Object.keys(JSON.parse((await ok(berth(root, ['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'api']))).stdout)), ['front']);
});
