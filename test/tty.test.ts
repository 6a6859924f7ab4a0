// `-t`: a real terminal inside the container, sized like ours and resized with ours, raw input,
// the detach keys, and `attach` back to it. Run under a real pseudo-terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { berth, berthBin, ok, rootWithBusybox } from './helpers.ts';
import { PtySession } from './pty.ts';

test('run -it gives a terminal of our size, reads what we type, and ends with its exit code', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const pty = new PtySession(berthBin, ['--root', root, 'run', '--rm', '-it', 'busybox', 'sh', '-c', 'tty; stty size; read line; echo "got:$line"; exit 5'], { rows: 30, cols: 100 });
  await pty.waitFor(/\/dev\/pts\/\d+\r\n30 100\r\n/);
  pty.type('hello\r');
  await pty.waitFor(/got:hello/);
  assert.equal(await pty.finish(), 5);
  assert.equal((await ok(berth(root, ['ps', '-aq']))).stdout, '', '--rm removed it');
});

test('the terminal follows ours when resized; ctrl-p ctrl-q detaches; attach comes back', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const script = 'stty size; while read l; do echo "line:$l"; stty size; done; echo bye; exit 7';
  const pty = new PtySession(berthBin, ['--root', root, 'run', '--name', 'term', '-it', 'busybox', 'sh', '-c', script], { rows: 24, cols: 80 });
  await pty.waitFor(/24 80\r\n/);
  pty.resize(50, 132);
  // The resize travels berth → conmon → the container's terminal; type lines until it shows.
  await pty.waitFor(/50 132\r\n/, 15_000, () => pty.type('x\r'));
  pty.type(Buffer.from([0x10, 0x11]));
  assert.equal(await pty.finish(), 0, 'detaching exits 0');
  const ps = await ok(berth(root, ['ps', '--format', '{{.Names}} {{.Status}}']));
  assert.match(ps.stdout, /^term Up /, 'the container runs on after the detach');

  const again = new PtySession(berthBin, ['--root', root, 'attach', 'term'], { rows: 40, cols: 90 });
  await again.waitFor(/40 90\r\n/, 15_000, () => again.type('y\r'));
  again.type(Buffer.from([0x04])); // end of input: the loop ends, the shell exits 7
  await again.waitFor(/bye/);
  assert.equal(await again.finish(), 7, "attach ends with the container's exit code");
  assert.match((await ok(berth(root, ['ps', '-a', '--format', '{{.Status}}']))).stdout, /^Exited \(7\)/);
});

test('exec -it runs a process with a terminal in a running container', async (t) => {
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  await ok(berth(root, ['run', '-d', '--name', 'host', 'busybox', 'sleep', '300']));
  const pty = new PtySession(berthBin, ['--root', root, 'exec', '-it', 'host', 'sh', '-c', 'tty; stty size; read l; echo "exec:$l"; exit 4'], { rows: 33, cols: 111 });
  await pty.waitFor(/\/dev\/pts\/\d+\r\n33 111\r\n/);
  pty.type('abc\r');
  await pty.waitFor(/exec:abc/);
  assert.equal(await pty.finish(), 4);
});
