// The detach keys as the CLI takes them: a bad sequence is a usage error.
import { UsageError } from '../../args.ts';
import { parseDetachKeys as parse } from '../../../engine/index.ts';

export { DEFAULT_DETACH_KEYS, DetachScanner } from '../../../engine/index.ts';

export function parseDetachKeys(text: string): number[] {
  try {
    return parse(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
