// `berth image inspect`, `berth container inspect`, and `berth inspect` (containers first, then images, as Docker).
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { BerthError } from '../../../errdefs/index.ts';
import { compileTemplate, jsonIndent } from '../../format/index.ts';
import type { Engine } from '../../../engine/index.ts';
import { accessFlags, accessOf, daemonError } from '../registry/access.ts';

async function inspectOne(engine: Engine, ref: string, kind: string | undefined): Promise<unknown> {
  if (kind === 'image') return engine.images.inspect(ref);
  if (kind === 'container') return engine.containers.inspect(ref);
  try {
    return await engine.containers.inspect(ref);
  } catch (err) {
    if (err instanceof BerthError && err.kind === 'NotFound') return engine.images.inspect(ref);
    throw err;
  }
}

export const command: Command = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Display detailed information on one or more objects',
  minArgs: 1,
  flags: [
    { name: 'format', short: 'f', type: 'string', value: 'string', help: "Format output using a custom template: 'json', 'TEMPLATE'" },
    { name: 'type', type: 'string', value: 'string', help: 'Only inspect objects of the given type', hidden: true },
    { name: 'remote', type: 'bool', help: "Inspect an image in its registry (manifest, platforms, config, tags) without pulling it" },
    ...accessFlags,
  ],
  async run(ctx, flags, args) {
    const engine = await ctx.engine();
    if (flags.remote === true) {
      const found = [];
      for (const ref of args) found.push(await engine.images.inspectRemote(ref, accessOf(flags)).catch((err: unknown) => Promise.reject(daemonError(err))));
      ctx.out(`${jsonIndent(found)}\n`);
      return;
    }
    const format = flags.format as string | undefined;
    const template = format && format !== 'json' ? compileTemplate(format) : undefined;
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const ref of args) {
      const kind = ctx.path === 'inspect' ? (flags.type as string | undefined) : ctx.path.startsWith('container') ? 'container' : 'image';
      try {
        found.push(await inspectOne(engine, ref, kind));
      } catch (err) {
        if (!(err instanceof BerthError) || err.kind !== 'NotFound') throw err;
        errors.push(ctx.path === 'inspect' ? `Error: No such object: ${ref}` : `Error: ${err.message}`);
      }
    }
    // Docker prints what it found, then the errors, and exits 1 if anything was missing.
    if (template) ctx.out(found.map((v) => `${template.execute(v)}\n`).join(''));
    else ctx.out(`${jsonIndent(found)}\n`);
    if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
  },
};
