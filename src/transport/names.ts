// Names as archives carry them (RepoTags, annotations) ↔ berth's full names.
import { invalidArgument } from '../errdefs/index.ts';
import { parseTaggedName } from '../image/index.ts';

export { familiarName, tagOf } from '../image/index.ts';

export function normalizeArchiveName(name: string, where: string): string {
  try {
    return parseTaggedName(name);
  } catch (err) {
    throw invalidArgument(`invalid archive: ${where}: ${(err as Error).message} (${JSON.stringify(name)})`);
  }
}
