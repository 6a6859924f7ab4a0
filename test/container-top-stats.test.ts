// `top` and `stats` end to end: processes and resource usage read from the container's real cgroup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { berth, berthBin, ok, rootWithBusybox, run } from './helpers.ts';

/** Waits until the container's log has `text` (its setup is done). */
async function untilLogged(root: string, ref: string, text: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await ok(berth(root, ['logs', ref]))).stdout.includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`container ${ref} never logged ${JSON.stringify(text)}`);
}

/** Splits a table line into its cells (columns are separated by at least 3 spaces). */
const cells = (line: string): string[] => line.split(/ {3,}/);

test('top lists the container\'s processes as the host\'s ps shows them, and only those', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const id = (await ok(berth(root, ['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'sleep 1000; echo done']))).stdout.trim();
  const pid = (await ok(berth(root, ['inspect', '--format', '{{.State.Pid}}', 'web']))).stdout.trim();

  const lines = (await ok(berth(root, ['top', 'web']))).stdout.split('\n').filter(Boolean);
  assert.deepEqual(cells(lines[0] as string), ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.match(lines[0] as string, /^UID {17}PID {17}PPID/, "docker's tabwriter: columns at least 20 wide");
  assert.equal(lines.length, 3, `the shell and its sleep, nothing of the host's:\n${lines.join('\n')}`);
  const rows = lines.slice(1).map(cells);
  const shell = rows.find((r) => r[7] === 'sh -c sleep 1000; echo done');
  const sleep = rows.find((r) => r[7] === 'sleep 1000');
  assert.ok(shell && sleep, `both processes are listed:\n${lines.join('\n')}`);
  assert.equal(shell[0], 'root');
  assert.equal(shell[1], pid, 'PIDs are the host\'s');
  assert.equal(sleep[2], pid, 'the sleep is the shell\'s child');

  // ps options after the container name go to ps.
  const custom = (await ok(berth(root, ['top', id.slice(0, 12), '-o', 'pid,comm']))).stdout.split('\n').filter(Boolean).map(cells);
  assert.deepEqual(custom[0], ['PID', 'COMMAND']);
  assert.deepEqual(custom.slice(1).map((r) => r[1]).sort(), ['sh', 'sleep']);
  assert.ok(custom.slice(1).some((r) => r[0] === pid));

  const noPid = await berth(root, ['top', 'web', '-o', 'comm']);
  assert.equal(noPid.code, 1);
  assert.equal(noPid.stderr, "Error response from daemon: Couldn't find PID field in ps output\n");
  const badPs = await berth(root, ['top', 'web', '--no-such-ps-option']);
  assert.equal(badPs.code, 1);
  assert.match(badPs.stderr, /^Error response from daemon: Error running ps: .+\n$/);
});

test('top of a container that is not running fails as Docker\'s does', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const id = (await ok(berth(root, ['create', '--name', 'idle', 'busybox', 'sleep', '1000']))).stdout.trim();
  const created = await berth(root, ['top', 'idle']);
  assert.equal(created.code, 1);
  assert.equal(created.stderr, `Error response from daemon: container ${id} is not running\n`);
  assert.equal(created.stdout, '');
  await ok(berth(root, ['start', 'idle']));
  assert.match((await ok(berth(root, ['top', 'idle']))).stdout, /sleep 1000/);
  await ok(berth(root, ['kill', 'idle']));
  const stopped = await berth(root, ['top', 'idle']);
  assert.equal(stopped.code, 1);
  assert.equal(stopped.stderr, `Error response from daemon: container ${id} is not running\n`);
  const missing = await berth(root, ['top', 'nothere']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error response from daemon: No such container: nothere\n');
});

test('stats --no-stream: a table of every running container with its PIDs and memory limit', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const id = (await ok(berth(root, ['run', '-d', '--name', 'web', '--network', 'none', '--memory', '64m', 'busybox', 'sh', '-c', 'sleep 1000; echo done']))).stdout.trim();
  await ok(berth(root, ['create', '--name', 'idle', 'busybox', 'true']));

  const lines = (await ok(berth(root, ['stats', '--no-stream']))).stdout.split('\n').filter(Boolean);
  assert.deepEqual(cells(lines[0] as string), ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS']);
  assert.equal(lines.length, 2, 'only running containers without --all');
  const row = cells(lines[1] as string);
  assert.equal(row[0], id.slice(0, 12));
  assert.equal(row[1], 'web');
  assert.match(row[2] as string, /^\d+\.\d\d%$/);
  assert.match(row[3] as string, /^\d+(\.\d+)?(B|KiB|MiB) \/ 64MiB$/, 'the limit is --memory, in binary units');
  assert.match(row[4] as string, /^\d+\.\d\d%$/);
  assert.equal(row[5], '0B / 0B', 'no interfaces but loopback with --network none');
  assert.match(row[6] as string, /^\d+(\.\d+)?[kMG]?B \/ \d+(\.\d+)?[kMG]?B$/);
  assert.equal(row[7], '2', 'the shell and its sleep');

  // --all adds the container that never ran, with zeros; --no-trunc shows the full ID.
  const all = (await ok(berth(root, ['stats', '--no-stream', '--all', '--no-trunc']))).stdout.split('\n').filter(Boolean).map(cells);
  assert.equal(all.length, 3);
  assert.deepEqual(all.find((r) => r[1] === 'idle')?.slice(2), ['0.00%', '0B / 0B', '0.00%', '0B / 0B', '0B / 0B', '0']);
  assert.equal(all.find((r) => r[1] === 'web')?.[0], id);

  // Formats: Go templates and JSON, with the container as it was named.
  const json = JSON.parse((await ok(berth(root, ['stats', '--no-stream', '--format', '{{json .}}', 'web']))).stdout) as Record<string, string>;
  assert.deepEqual(Object.keys(json).sort(), ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
  assert.equal(json.Container, 'web');
  assert.equal(json.ID, id.slice(0, 12));
  assert.equal(json.PIDs, '2');
  assert.match(json.MemUsage as string, / \/ 64MiB$/);
  assert.equal((await ok(berth(root, ['stats', '--no-stream', '--format', '{{.Name}} has {{.PIDs}} processes', id]))).stdout, 'web has 2 processes\n');
  const table = (await ok(berth(root, ['stats', '--no-stream', '--format', 'table {{.Container}}\t{{.PIDs}}', 'web', 'idle']))).stdout;
  assert.match(table, /^CONTAINER {3,}PIDS\nweb {3,}2\nidle {3,}0\n$/);

  const missing = await berth(root, ['stats', '--no-stream', 'nothere']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error response from daemon: No such container: nothere\n');
});

test('stats shows the memory a process holds, and the CPU a busy one burns', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  // The shell keeps 20 MB of text in a variable: anonymous memory the cgroup is charged for.
  await ok(berth(root, ['run', '-d', '--name', 'hog', '--memory', '64m', 'busybox', 'sh', '-c', 'x=$(head -c 20000000 /dev/zero | tr "\\0" a); echo ready; sleep 1000; echo ${#x}']));
  await ok(berth(root, ['run', '-d', '--name', 'busy', 'busybox', 'sh', '-c', 'while :; do :; done']));
  await ok(berth(root, ['run', '-d', '--name', 'calm', 'busybox', 'sleep', '1000']));
  await untilLogged(root, 'hog', 'ready');

  const out = (await ok(berth(root, ['stats', '--no-stream', '--format', '{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}']))).stdout;
  const rows = new Map(out.split('\n').filter(Boolean).map((l) => l.split('\t')).map((r) => [r[0], r.slice(1)]));
  const hog = rows.get('hog') as string[];
  const m = /^(\d+(?:\.\d+)?)MiB \/ 64MiB$/.exec(hog[1] as string);
  assert.ok(m, `the hog uses megabytes: ${hog[1]}`);
  assert.ok(Number(m[1]) >= 19 && Number(m[1]) < 64, `about 20 MB of 64 MiB: ${hog[1]}`);
  assert.ok(parseFloat(hog[2] as string) >= 29, `MEM % is used / limit: ${hog[2]}`);
  assert.ok(parseFloat((rows.get('busy') as string[])[0] as string) > 20, `a busy loop shows CPU use: ${out}`);
  // Nearly none: the sample may still catch the tail of its start (exec, dynamic loading).
  assert.ok(parseFloat((rows.get('calm') as string[])[0] as string) < 1, `a sleeping container uses (almost) no CPU: ${(rows.get('calm') as string[])[0]}`);
  assert.match((rows.get('calm') as string[])[1] as string, /^\d+(\.\d+)?(KiB|MiB) \/ \d+(\.\d+)?GiB$/, 'without --memory the limit is the host\'s memory');
});

test('stats streams a block a second until stopped', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '-d', '--name', 'web', 'busybox', 'sleep', '1000']));
  // Without a terminal each refresh is printed after the last; `timeout` plays the user's Ctrl-C.
  const r = (await run('timeout', ['-s', 'INT', '3.6', berthBin, '--root', root, 'stats', '--format', '{{.Name}} {{.PIDs}}'])).stdout;
  const blocks = r.split('\n').filter(Boolean);
  assert.ok(blocks.length >= 2 && blocks.length <= 4, `a line a second: ${JSON.stringify(r)}`);
  assert.ok(blocks.every((l) => l === 'web 1'), r);
});
