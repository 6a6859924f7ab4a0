// `berth login [SERVER]`: checks the credentials with the registry and stores them in the
// credentials file (or the configured credential helper).
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { accessFlags, accessOf, daemonError } from './access.ts';

export const command: Command = {
  usage: '[OPTIONS] [SERVER]',
  summary: 'Log in to a registry',
  maxArgs: 1,
  flags: [
    { name: 'username', short: 'u', type: 'string', value: 'string', help: 'Username' },
    { name: 'password', short: 'p', type: 'string', value: 'string', help: 'Password' },
    { name: 'password-stdin', type: 'bool', help: 'Take the password from stdin' },
    ...accessFlags.filter((f) => f.name !== 'creds'),
  ],
  async run(ctx, flags, args) {
    const server = args[0] ?? 'docker.io';
    let username = flags.username as string | undefined;
    let password = flags.password as string | undefined;
    if (flags['password-stdin'] === true) {
      if (password !== undefined) throw new StatusError(1, '--password and --password-stdin are mutually exclusive');
      if (username === undefined) throw new StatusError(1, 'Must provide --username with --password-stdin');
      password = (await readAll(process.stdin)).replace(/\r?\n$/, '');
    } else if (password !== undefined) {
      ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    if (username === undefined || password === undefined) {
      if (!process.stdin.isTTY) throw new StatusError(1, 'Error: Cannot perform an interactive login from a non TTY device');
      const { ask } = await import('../../prompt.ts');
      username ??= (await ask('Username: ')).trim();
      password ??= await ask('Password: ', { hidden: true });
    }
    if (username === '') throw new StatusError(1, 'Error: Non-null Username Required');
    if (password === '') throw new StatusError(1, 'Error: Non-null Password Required');
    const engine = await ctx.engine();
    try {
      ctx.out(`${await engine.auth.login(server, { username, password }, accessOf(flags))}\n`);
    } catch (err) {
      throw daemonError(err);
    }
  },
};

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const c of stream) text += c.toString();
  return text;
}
