// Bundles the CLI (dist/cli/main.js and its lazily loaded chunks) from src/ with esbuild: one file
// to load instead of a couple of hundred modules to resolve, which is most of a command's start-up.
// npm packages stay external (node_modules). tsc still type-checks and compiles dist/src/ for tests.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist/cli', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/start.ts'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
});
