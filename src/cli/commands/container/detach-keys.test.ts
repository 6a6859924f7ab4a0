import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetachScanner, parseDetachKeys } from './detach-keys.ts';

test('detach keys parse as Docker parses them', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [0x10, 0x11]);
  assert.deepEqual(parseDetachKeys('ctrl-a,x'), [1, 0x78]);
  assert.deepEqual(parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_'), [0, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /Unknown character: 'ctrl-1'/);
  assert.throws(() => parseDetachKeys('alt-x'), /Unknown character/);
});

test('the scanner passes everything but the sequence, across chunks', () => {
  const s = new DetachScanner([0x10, 0x11]);
  assert.deepEqual(s.feed(Buffer.from('ab')), { pass: Buffer.from('ab'), detach: false });
  // ctrl-p alone is held back until the next key shows it is not the sequence
  assert.deepEqual(s.feed(Buffer.from([0x10])), { pass: Buffer.alloc(0), detach: false });
  assert.deepEqual(s.feed(Buffer.from('x')), { pass: Buffer.from([0x10, 0x78]), detach: false });
  // ctrl-p ctrl-p ctrl-q: the first ctrl-p goes through, the pair detaches
  assert.deepEqual(s.feed(Buffer.from([0x10, 0x10, 0x11, 0x41])), { pass: Buffer.from([0x10]), detach: true });
  const split = new DetachScanner([0x10, 0x11]);
  assert.equal(split.feed(Buffer.from([0x61, 0x10])).detach, false);
  assert.deepEqual(split.feed(Buffer.from([0x11])), { pass: Buffer.alloc(0), detach: true });
});
