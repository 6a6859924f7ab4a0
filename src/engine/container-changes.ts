// `diff`: what a container changed in its root filesystem, read from its overlay upper directory
// against the image's layers (Docker's kinds: 0 modified, 1 added, 2 deleted).
// STUB: to be written (helper C).
import { BerthError } from '../errdefs/index.ts';

export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** `lowers` are the image's layer directories, bottom first. */
export function containerChanges(upper: string, lowers: string[]): Promise<Change[]> {
  void upper;
  void lowers;
  return Promise.reject(new BerthError('Internal', 'diff: not implemented'));
}
