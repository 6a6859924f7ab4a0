// berth killed (SIGKILL) in the middle of `run`: the container either runs on (conmon holds it) or
// is half made; `rm -f` and `system check --repair` clean up all of it, whatever the moment was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { berth, berthBin, ok, rootWithBusybox } from './helpers.ts';

function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root));
}

/** Processes (conmon, runtime, container processes started through them) whose command line names the root. */
function processesUnder(root: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).flatMap((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      return cmd.includes(root) ? [`${pid}: ${cmd}`] : [];
    } catch {
      return [];
    }
  });
}

async function waitUntil(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

test('a container runs on when the berth that ran it is killed; rm -f cleans it', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const child = spawn(berthBin, ['--root', root, 'run', '--name', 'orphan', 'busybox', 'sleep', '300'], { stdio: 'ignore' });
  await waitUntil('the container runs', async () => (await berth(root, ['ps', '-q'])).stdout !== '');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  assert.match((await ok(berth(root, ['ps', '--format', '{{.Names}} {{.Status}}']))).stdout, /^orphan Up /);
  await ok(berth(root, ['rm', '-f', 'orphan']));
  assert.deepEqual(mountsUnder(root), []);
  await waitUntil('conmon is gone', async () => processesUnder(root).length === 0);
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
});

test('berth killed at any moment of run --rm: system check --repair and rm -f leave nothing', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  // Kill points spread over the whole of a run: before the record, around mount, conmon and start.
  for (let i = 0; i < 10; i++) {
    const child = spawn(berthBin, ['--root', root, 'run', '--rm', 'busybox', 'sleep', '1'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 40 + i * 25));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
  }
  const repair = await ok(berth(root, ['system', 'check', '--repair']));
  const unrepaired = repair.stdout.split('\n').filter((l) => l && !l.startsWith('Repaired ') && l !== 'No problems found.' && !l.includes(': '));
  assert.deepEqual(unrepaired, [], 'every finding says how it was repaired');
  const ids = (await ok(berth(root, ['ps', '-aq', '--no-trunc']))).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await ok(berth(root, ['rm', '-f', ...ids]));
  await waitUntil('no process of the root is left', async () => processesUnder(root).length === 0);
  assert.deepEqual(mountsUnder(root), []);
  assert.equal((await ok(berth(root, ['system', 'check']))).stdout, 'No problems found.\n');
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '');
});
