// Applies one layer tar to a directory with berth's layer code: `node dist/bench/apply-layer.js LAYER DIR`.
// The benchmark times this against GNU tar -x on the same file.
import { mkdir, open } from 'node:fs/promises';
import { applyLayer } from '../src/layer/index.ts';

const [layer, target] = process.argv.slice(2);
if (!layer || !target) {
  console.error('usage: apply-layer LAYER.tar DIR');
  process.exit(2);
}
await mkdir(target, { recursive: true });
const fh = await open(layer, 'r');
const r = await applyLayer({ file: fh }, target, { whiteouts: 'overlay', what: layer }).finally(() => fh.close());
console.log(`${r.diffId} ${r.size} bytes`);
