// Volumes, networks and `system df` through the daemon, driven by the real docker CLI, with the
// berth CLI acting on the same root where a container is needed (containers that use a volume or
// join a network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from './daemon.ts';
import { berth, ok } from './helpers.ts';
import { apiRequest } from './api-http.ts';

const lines = (s: string): string[] => s.split('\n').filter(Boolean);

test('daemon volumes: create, ls with --format and --filter, inspect, rm, prune, and the errors', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());

  assert.equal((await ok(d.docker(['volume', 'create', '--label', 'team=a', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', 'data1']))).stdout.trim(), 'data1');
  assert.equal((await ok(d.docker(['volume', 'create', 'data2']))).stdout.trim(), 'data2');
  // Creating an existing volume again gives it back as it is (dockerd's rule).
  assert.equal((await ok(d.docker(['volume', 'create', 'data2']))).stdout.trim(), 'data2');

  const ls = await ok(d.docker(['volume', 'ls', '--format', '{{.Driver}} {{.Name}} {{.Labels}}']));
  assert.deepEqual(lines(ls.stdout), ['local data1 team=a', 'local data2 ']);
  assert.deepEqual(lines((await ok(d.docker(['volume', 'ls', '-q', '--filter', 'label=team=a']))).stdout), ['data1']);
  assert.deepEqual(lines((await ok(d.docker(['volume', 'ls', '-q', '--filter', 'name=ta2']))).stdout), ['data2']);
  const badFilter = await d.docker(['volume', 'ls', '--filter', 'colour=red']);
  assert.equal(badFilter.code, 1);
  assert.match(badFilter.stderr, /invalid filter 'colour'/);

  const inspect = await ok(d.docker(['volume', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels.team}} {{.Options.type}} {{.Mountpoint}}', 'data1']));
  assert.equal(inspect.stdout.trim(), `data1 local local a tmpfs ${d.root}/volumes/data1/_data`);
  const missing = await d.docker(['volume', 'inspect', 'nosuch']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such volume/);

  // A container (made by the berth CLI on the daemon's root) uses data2: rm is refused with 409.
  const id = (await ok(berth(d.root, ['create', '-v', 'data2:/data', 'busybox', 'true']))).stdout.trim();
  const inUse = await apiRequest(d.socket, 'DELETE', '/v1.50/volumes/data2');
  assert.equal(inUse.status, 409);
  assert.equal(inUse.json.message, `remove data2: volume is in use - [${id}]`);
  const rmInUse = await d.docker(['volume', 'rm', 'data2']);
  assert.equal(rmInUse.code, 1);
  assert.match(rmInUse.stderr, /remove data2: volume is in use/);

  // system df counts the container, the image it uses, and the volumes with their users.
  const df = await ok(d.docker(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}']));
  assert.deepEqual(lines(df.stdout), ['Images 1 1', 'Containers 1 0', 'Local Volumes 2 1', 'Build Cache 0 0']);
  // The berth CLI counts the same, with the same sizes.
  const dfFormat = ['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}'];
  assert.equal((await ok(berth(d.root, dfFormat))).stdout, (await ok(d.docker(dfFormat))).stdout);
  const dfv = await ok(d.docker(['system', 'df', '-v']));
  assert.match(dfv.stdout, /Local Volumes space usage:\s+VOLUME NAME\s+LINKS\s+SIZE\s+data1\s+0\s+\S+\s+data2\s+1\s+/);
  assert.match(dfv.stdout, new RegExp(`Containers space usage:[\\s\\S]*${id.slice(0, 12)}\\s+busybox\\s+"true"`));
  const dfRaw = await apiRequest(d.socket, 'GET', '/v1.50/system/df?type=volume');
  assert.equal(dfRaw.status, 200);
  assert.equal(dfRaw.json.Images, null, 'only the volumes were asked for');
  assert.deepEqual((dfRaw.json.Volumes as { Name: string; UsageData: { RefCount: number } }[]).map((v) => [v.Name, v.UsageData.RefCount]), [['data1', 0], ['data2', 1]]);
  assert.equal((await apiRequest(d.socket, 'GET', '/v1.50/system/df?type=everything')).status, 400);

  await ok(berth(d.root, ['rm', id]));
  // prune without --all leaves named volumes (API 1.42+); with --all it takes the unused ones.
  const prune = await ok(d.docker(['volume', 'prune', '-f']));
  assert.match(prune.stdout, /Total reclaimed space: 0B/);
  assert.equal(lines((await ok(d.docker(['volume', 'ls', '-q']))).stdout).length, 2);
  const pruneAll = await ok(d.docker(['volume', 'prune', '-af', '--filter', 'label=team=a']));
  assert.match(pruneAll.stdout, /Deleted Volumes:\ndata1\n/);
  assert.equal((await ok(d.docker(['volume', 'rm', 'data2']))).stdout.trim(), 'data2');
  assert.equal((await ok(d.docker(['volume', 'ls', '-q']))).stdout, '');
  // An old client (API 1.41) prunes named volumes too: the `all` filter came with 1.42.
  await ok(d.docker(['volume', 'create', 'old']));
  const oldPrune = await apiRequest(d.socket, 'POST', '/v1.41/volumes/prune');
  assert.deepEqual(oldPrune.json.VolumesDeleted, ['old']);

  const gone = await apiRequest(d.socket, 'DELETE', '/v1.50/volumes/nosuch');
  assert.equal(gone.status, 404);
  assert.equal(gone.json.message, 'get nosuch: no such volume');
  assert.equal((await apiRequest(d.socket, 'DELETE', '/v1.50/volumes/nosuch?force=1')).status, 204, 'force: a missing volume is not an error');
  assert.equal((await apiRequest(d.socket, 'GET', '/v1.50/volumes/nosuch')).status, 404);

  // Bad bodies: malformed JSON, wrong types, a bad name, an unknown driver.
  const malformed = await apiRequest(d.socket, 'POST', '/v1.50/volumes/create', '{"Name": ');
  assert.equal(malformed.status, 400);
  assert.match(String(malformed.json.message), /invalid JSON/);
  const wrongType = await apiRequest(d.socket, 'POST', '/v1.50/volumes/create', '{"Name": 5}');
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.message, 'json: cannot unmarshal number into Go struct field CreateOptions.Name of type string');
  const wrongLabels = await apiRequest(d.socket, 'POST', '/v1.50/volumes/create', '{"Name": "x1", "Labels": ["a"]}');
  assert.equal(wrongLabels.status, 400);
  assert.match(String(wrongLabels.json.message), /cannot unmarshal array into Go struct field CreateOptions\.Labels of type map\[string\]string/);
  const badName = await apiRequest(d.socket, 'POST', '/v1.50/volumes/create', '{"Name": "a/b"}');
  assert.equal(badName.status, 400);
  assert.match(String(badName.json.message), /includes invalid characters for a local volume name/);
  const created = await apiRequest(d.socket, 'POST', '/v1.50/volumes/create', '{"Labels": {"k": "v"}, "Unknown": true}');
  assert.equal(created.status, 201);
  assert.match(String(created.json.Name), /^[0-9a-f]{64}$/, 'no name: a generated one');
  assert.deepEqual(created.json.Labels, { 'com.docker.volume.anonymous': '', k: 'v' });
  assert.equal((await apiRequest(d.socket, 'POST', '/v1.50/volumes/prune?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D')).status, 400);
  const anon = await apiRequest(d.socket, 'POST', '/v1.50/volumes/prune');
  assert.deepEqual(anon.json.VolumesDeleted, [created.json.Name], 'anonymous volumes go without all');
});

test('daemon networks: create with subnet, internal and labels; ls, inspect, connect, disconnect, rm, prune, and the errors', async (t) => {
  const d = await startDaemon();
  t.after(() => d.cleanup());
  // A subnet of its own, away from other tests' networks on this machine.
  const third = 100 + (process.pid % 150);
  const subnet = `10.201.${third}.0/24`;

  const created = await ok(d.docker(['network', 'create', '--subnet', subnet, '--gateway', `10.201.${third}.254`, '--internal', '--label', 'team=a', 'net1']));
  const id = created.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  await ok(d.docker(['network', 'create', 'net2']));
  const dup = await d.docker(['network', 'create', 'net1']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /network with name net1 already exists/);
  const dupRaw = await apiRequest(d.socket, 'POST', '/v1.50/networks/create', JSON.stringify({ Name: 'net1', CheckDuplicate: true }));
  assert.equal(dupRaw.status, 409);

  const ls = await ok(d.docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']));
  assert.deepEqual(lines(ls.stdout), ['bridge bridge local', 'host host local', 'net1 bridge local', 'net2 bridge local', 'none null local']);
  assert.deepEqual(lines((await ok(d.docker(['network', 'ls', '-q', '--no-trunc', '--filter', 'label=team=a']))).stdout), [id]);
  assert.deepEqual(lines((await ok(d.docker(['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=custom']))).stdout), ['net1', 'net2']);
  const badFilter = await d.docker(['network', 'ls', '--filter', 'colour=red']);
  assert.equal(badFilter.code, 1);
  assert.match(badFilter.stderr, /invalid filter 'colour'/);

  const inspect = await ok(d.docker(['network', 'inspect', '--format', '{{.Name}} {{.Id}} {{.Internal}} {{.Driver}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{.Labels.team}}', 'net1']));
  assert.equal(inspect.stdout.trim(), `net1 ${id} true bridge ${subnet} 10.201.${third}.254 a`);
  assert.equal((await ok(d.docker(['network', 'inspect', '--format', '{{.Name}}', id.slice(0, 12)]))).stdout.trim(), 'net1', 'by ID prefix');
  const missing = await d.docker(['network', 'inspect', 'nosuch']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /network nosuch not found/);
  assert.equal((await apiRequest(d.socket, 'GET', '/v1.50/networks/nosuch')).status, 404);
  assert.equal((await apiRequest(d.socket, 'GET', `/v1.50/networks/net1?scope=swarm`)).status, 404);

  // What berth's bridge cannot do is refused, not ignored.
  const v6 = await d.docker(['network', 'create', '--ipv6', 'net6']);
  assert.equal(v6.code, 1);
  assert.match(v6.stderr, /IPv4 only: EnableIPv6 is not supported/);
  const overlay = await d.docker(['network', 'create', '--driver', 'overlay', 'neto']);
  assert.equal(overlay.code, 1);
  assert.match(overlay.stderr, /plugin "overlay" not found/);

  // connect / disconnect a container the berth CLI made on the same root.
  const cid = (await ok(berth(d.root, ['create', '--name', 'c1', '--network', 'net2', 'busybox', 'true']))).stdout.trim();
  await ok(d.docker(['network', 'connect', '--alias', 'db', 'net1', 'c1']));
  const extra = await ok(berth(d.root, ['inspect', '--format', '{{json .HostConfig.ExtraNetworks}}', 'c1']));
  assert.deepEqual(JSON.parse(extra.stdout), [{ name: 'net1', aliases: ['db'] }]);
  // Its own network again, while it does not run: dockerd keeps the settings (compose v1 connects so); the alias is added.
  await ok(d.docker(['network', 'connect', '--alias', 'cache', 'net2', 'c1']));
  assert.equal((await ok(berth(d.root, ['inspect', '--format', '{{json .HostConfig.NetworkAliases}}', 'c1']))).stdout.trim(), '["cache"]');
  const twice = await d.docker(['network', 'connect', 'net1', 'c1']);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /endpoint with name c1 already exists in network net1/);
  const noContainer = await apiRequest(d.socket, 'POST', '/v1.50/networks/net1/connect', JSON.stringify({ Container: 'nosuch' }));
  assert.equal(noContainer.status, 404);
  assert.equal(noContainer.json.message, 'No such container: nosuch');
  const noNetwork = await apiRequest(d.socket, 'POST', '/v1.50/networks/nosuch/connect', JSON.stringify({ Container: 'c1' }));
  assert.equal(noNetwork.status, 404);
  assert.equal(noNetwork.json.message, 'network nosuch not found');
  // prune keeps networks containers are on (net2 by --network, net1 by connect).
  assert.equal((await ok(d.docker(['network', 'prune', '-f']))).stdout, '');
  await ok(d.docker(['network', 'disconnect', 'net1', 'c1']));
  const notOn = await d.docker(['network', 'disconnect', 'net1', 'c1']);
  assert.equal(notOn.code, 1);
  assert.match(notOn.stderr, new RegExp(`container ${cid} is not connected to network net1`));
  await ok(berth(d.root, ['rm', 'c1']));

  // Bad bodies.
  const malformed = await apiRequest(d.socket, 'POST', '/v1.50/networks/create', '{"Name": "x",');
  assert.equal(malformed.status, 400);
  const wrongType = await apiRequest(d.socket, 'POST', '/v1.50/networks/create', '{"Name": "x", "Internal": "yes"}');
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.message, 'json: cannot unmarshal string into Go struct field CreateRequest.Internal of type bool');
  const wrongIpam = await apiRequest(d.socket, 'POST', '/v1.50/networks/create', '{"Name": "x", "IPAM": {"Config": {"Subnet": "10.0.0.0/24"}}}');
  assert.equal(wrongIpam.status, 400);
  assert.match(String(wrongIpam.json.message), /cannot unmarshal object into Go struct field IPAM\.Config of type \[\]network\.IPAMConfig/);
  const noName = await apiRequest(d.socket, 'POST', '/v1.50/networks/create', '{}');
  assert.equal(noName.status, 400);
  const badSubnet = await apiRequest(d.socket, 'POST', '/v1.50/networks/create', JSON.stringify({ Name: 'x', IPAM: { Config: [{ Subnet: '10.0.0.0/99' }] } }));
  assert.equal(badSubnet.status, 400);
  assert.match(String(badSubnet.json.message), /invalid CIDR address: 10\.0\.0\.0\/99/);
  const connectWrong = await apiRequest(d.socket, 'POST', '/v1.50/networks/net1/connect', '{"Container": ["c1"]}');
  assert.equal(connectWrong.status, 400);
  assert.equal((await apiRequest(d.socket, 'DELETE', '/v1.50/networks/nosuch')).status, 404);
  const predefined = await d.docker(['network', 'rm', 'bridge']);
  assert.equal(predefined.code, 1);
  assert.match(predefined.stderr, /bridge is a pre-defined network and cannot be removed/);

  assert.equal((await ok(d.docker(['network', 'rm', 'net1']))).stdout.trim(), 'net1');
  const prune = await ok(d.docker(['network', 'prune', '-f']));
  assert.equal(prune.stdout, 'Deleted Networks:\nnet2\n\n');
  assert.deepEqual(lines((await ok(d.docker(['network', 'ls', '--format', '{{.Name}}']))).stdout), ['bridge', 'host', 'none']);
});

test('daemon networks: connect and disconnect running containers (docker run), with their events', async (t) => {
  const d = await startDaemon();
  // The daemon last: it would wait for containers it started.
  t.after(async () => {
    await d.docker(['rm', '-f', 'web', 'side']);
    await d.docker(['network', 'rm', 'front']);
    await d.cleanup();
  });
  const since = (Date.now() / 1000).toFixed(3);
  await ok(d.docker(['network', 'create', 'front']));
  await ok(d.docker(['run', '-d', '--name', 'web', '--network', 'front', 'busybox', 'sleep', '60']));
  await ok(d.docker(['run', '-d', '--name', 'side', 'busybox', 'sleep', '60']));
  await ok(d.docker(['network', 'connect', '--alias', 'helper', 'front', 'side']));
  const members = async (): Promise<string[]> => lines((await ok(d.docker(['network', 'inspect', '--format', '{{range .Containers}}{{.Name}}{{"\\n"}}{{end}}', 'front']))).stdout).sort();
  assert.deepEqual(await members(), ['side', 'web']);
  const addr = await ok(d.docker(['network', 'inspect', '--format', '{{range .Containers}}{{.IPv4Address}}{{"\\n"}}{{end}}', 'front']));
  for (const a of lines(addr.stdout)) assert.match(a, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
  // A network in use is not removed.
  const busy = await d.docker(['network', 'rm', 'front']);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /error while removing network: network front id [0-9a-f]{64} has active endpoints/);
  await ok(d.docker(['network', 'disconnect', 'front', 'side']));
  assert.deepEqual(await members(), ['web']);

  const until = (Date.now() / 1000 + 0.5).toFixed(3);
  const ev = await ok(d.docker(['events', '--since', since, '--until', until, '--filter', 'network=front', '--format', '{{.Action}} {{index .Actor.Attributes "container"}}']));
  const [webId, sideId] = lines((await ok(d.docker(['inspect', '--format', '{{.Id}}', 'web', 'side']))).stdout);
  // web joined at its start; side by `network connect`.
  assert.deepEqual(lines(ev.stdout), ['create ', `connect ${webId}`, `connect ${sideId}`, `disconnect ${sideId}`]);
  const started = await ok(d.docker(['events', '--since', since, '--until', until, '--filter', 'type=container', '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}}']));
  assert.deepEqual(lines(started.stdout), ['web', 'side']);
});
