// tar-stream, loaded on first use: its load (~8 ms) is start-up that save, pull and push do not
// need, and it would be paid by every command that loads this module.
import { createRequire } from 'node:module';

type TarStream = typeof import('tar-stream');
let loaded: TarStream | undefined;

export function tarStream(): TarStream {
  loaded ??= createRequire(import.meta.url)('tar-stream') as TarStream;
  return loaded;
}
