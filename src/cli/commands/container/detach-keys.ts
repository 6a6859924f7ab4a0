// Detach keys (Docker's `--detach-keys`): the engine's parser and scanner, with a bad key reported
// as a usage error.
import { UsageError } from '../../args.ts';
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys as parseKeys } from '../../../engine/index.ts';

export { DEFAULT_DETACH_KEYS, DetachScanner };

export function parseDetachKeys(text: string): number[] {
  try {
    return parseKeys(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
