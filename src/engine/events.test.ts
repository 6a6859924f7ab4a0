import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog, eventFilter, type EngineEvent } from './events.ts';

async function collect(it: AsyncIterable<EngineEvent>, n = Infinity): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const e of it) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

test('events: recorded across rotation, torn lines skipped, a follower crosses a rotation', { timeout: 60_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'berth-unit-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const log = new EventLog(root, { limit: 600 });
  const since = Date.now();
  const follower = new AbortController();
  const following = log.watch({ signal: follower.signal, filters: { type: ['volume'] } })[Symbol.asyncIterator]();
  // Returned, not only aborted: a follower left at a yield would keep its file and watcher open.
  t.after(async () => {
    follower.abort();
    await following.return?.(undefined);
  });
  const followed: string[] = [];
  // Waits until the follower has seen n events (it is given them in turns, not by the clock: a
  // follower reads across one rotation at a time, and a loaded machine may delay it by seconds).
  const seen = async (n: number): Promise<void> => {
    while (followed.length < n) {
      const r = await following.next();
      if (r.done) return;
      followed.push(r.value.Actor.ID);
    }
  };
  const rotated = async (): Promise<string[]> => {
    for (let i = 0; i < 200; i++) {
      const names = (await readdir(join(root, 'events'))).filter((f) => f.endsWith('.1'));
      if (names.length > 0) return names;
      await new Promise((r) => setTimeout(r, 25)); // rotation is asynchronous (under a lock)
    }
    return [];
  };
  const first = seen(1); // the follower has opened the file before anything is written
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 4; i++) log.volume('create', `v${i}`);
  await first;
  await seen(4);
  assert.deepEqual(await rotated(), ['events.jsonl.1'], 'the file was rotated');
  for (let i = 4; i < 6; i++) log.volume('create', `v${i}`);
  // A writer killed mid-line leaves a torn line: readers skip it, the next line is whole.
  await appendFile(join(root, 'events', 'events.jsonl'), '{"Type":"volu');
  await appendFile(join(root, 'events', 'events.jsonl'), '\n');
  await seen(6);
  for (let i = 6; i < 9; i++) log.volume('create', `v${i}`);
  await seen(9);
  for (let i = 9; i < 12; i++) log.volume('create', `v${i}`);
  await seen(12);
  assert.deepEqual(followed, Array.from({ length: 12 }, (_, i) => `v${i}`));

  const past = await collect(log.watch({ since, until: Date.now() }));
  // What one rotation keeps: the newest events, in order, with no gap among them.
  const names = past.map((e) => Number(e.Actor.ID.slice(1)));
  assert.ok(names.length >= 3, `kept ${names.length} events`);
  assert.deepEqual(names, names.map((_, i) => 12 - names.length + i));

  // A follower with until ends by itself; with nothing new it ends then.
  const start = Date.now();
  assert.deepEqual(await collect(log.watch({ since: start, until: start + 200 })), []);
});

test('events: filters as moby matches them', () => {
  const ev = (Type: EngineEvent['Type'], Action: string, ID: string, Attributes: Record<string, string>): EngineEvent => ({ Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 0, timeNano: 0 });
  const c = ev('container', 'start', 'abc123', { name: 'web', image: 'busybox:latest', team: 'a' });
  const img = ev('image', 'tag', 'sha256:ff', { name: 'busybox:1' });
  const match = (f: Record<string, string[]>, e: EngineEvent): boolean => eventFilter(f)(e);
  assert.ok(match({ container: ['web'] }, c));
  assert.ok(match({ container: ['abc'] }, c), 'an ID prefix');
  assert.ok(!match({ container: ['web'] }, img), 'a container filter leaves other types out');
  assert.ok(match({ image: ['busybox'] }, c), 'a container by its image, without the tag');
  assert.ok(match({ image: ['busybox'] }, img));
  assert.ok(match({ event: ['start', 'die'] }, c));
  assert.ok(!match({ event: ['sta'] }, c), 'events match exactly');
  assert.ok(match({ label: ['team=a'] }, c) && match({ label: ['team'] }, c) && !match({ label: ['team=b'] }, c));
  assert.ok(!match({ label: ['team=a', 'x'] }, c), 'every label must match');
  assert.ok(!match({ service: ['s'] }, c), 'berth has no swarm services');
  assert.throws(() => eventFilter({ colour: ['red'] }), /invalid filter 'colour'/);
});
