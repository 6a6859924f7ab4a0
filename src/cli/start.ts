// The executable's entry: turns on Node's compile cache (kept beside the code, so it is shared by
// every run and never left in a temporary directory) before the CLI's modules load, then runs it.
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

module.enableCompileCache?.(join(dirname(fileURLToPath(import.meta.url)), '.compile-cache'));
await import('./main.ts');
