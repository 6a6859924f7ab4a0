// `volume inspect`, `network inspect`: each object found printed as JSON (an array) or through a
// `--format` template; the missing ones named after, as Docker does, with exit status 1.
import { isKind } from '../errdefs/index.ts';
import { StatusError, type Context } from './command.ts';
import { compileTemplate, jsonIndent } from './format/index.ts';

export async function printInspected(ctx: Context, refs: string[], format: string | undefined, inspect: (ref: string) => Promise<unknown>): Promise<void> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await inspect(ref));
    } catch (err) {
      if (!isKind(err, 'NotFound')) throw err;
      errors.push(`Error response from daemon: ${(err as Error).message}`);
    }
  }
  if (format && format !== 'json') {
    const t = compileTemplate(format);
    ctx.out(found.map((o) => `${t.execute(o)}\n`).join(''));
  } else if (found.length > 0 || errors.length === 0) {
    ctx.out(`${jsonIndent(found)}\n`);
  }
  if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
}
