// Writing an archive where the user said: standard output (never a terminal, as Docker refuses),
// or a file written beside its target and renamed, so a failure never leaves a truncated archive.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../errdefs/index.ts';
import { writeStreamThroughTemp } from '../meta/index.ts';

/** Fails before any work is done when the archive would go to a terminal. */
export function checkArchiveOutput(output: string | undefined): void {
  if ((output === undefined || output === '-') && process.stdout.isTTY) {
    throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
}

export async function writeArchive(stream: Readable, output: string | undefined): Promise<void> {
  if (output === undefined || output === '-') {
    await pipeline(stream, process.stdout, { end: false });
    return;
  }
  await writeStreamThroughTemp(output, stream);
}
