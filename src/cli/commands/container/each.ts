// Commands that act on each named container in turn (stop, kill, rm, wait): print the name on
// success, collect Docker's error lines, exit 1 if any failed.
import type { Context } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';

export async function forEachContainer(ctx: Context, refs: string[], act: (ref: string) => Promise<string | undefined>): Promise<void> {
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      const shown = await act(ref);
      if (shown !== undefined) ctx.out(`${shown}\n`);
    } catch (err) {
      if (!(err instanceof BerthError)) throw err;
      errors.push(`Error response from daemon: ${err.message}`);
    }
  }
  if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
}
