// DESIGN.md's rule, checked: modules import only modules below them, and only through their
// index.ts. A new upward import fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Lower rank = lower layer. A module may import modules of a strictly lower rank (or itself).
const RANK: Record<string, number> = {
  errdefs: 0, sys: 0,
  content: 1,
  layer: 2, image: 2,
  meta: 3,
  store: 4,
  transport: 5, registry: 6, snapshot: 5, runtime: 5, network: 5, volume: 5,
  build: 7,
  engine: 8,
  api: 9,
  cli: 10,
};

// Tests run from dist/; read the TypeScript sources next to it.
const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

test('no module imports upward or past another module\'s index.ts', () => {
  const problems: string[] = [];
  for (const file of files(src)) {
    const from = relative(src, file).split(sep)[0] as string;
    if (!(from in RANK)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const target = relative(src, join(dirname(file), m[1] as string)).split(sep);
      const to = target[0] as string;
      if (to === from || !(to in RANK)) continue;
      if ((RANK[to] as number) >= (RANK[from] as number)) problems.push(`${relative(src, file)} imports ${m[1]} (${from} may not import ${to})`);
      if (target.length !== 2 || target[1] !== 'index.ts') problems.push(`${relative(src, file)} imports ${m[1]}: import another module only through its index.ts`);
    }
  }
  assert.deepEqual(problems, []);
});
