// `berth logout [SERVER]`: removes the stored credentials of a registry.
import type { Command } from '../../command.ts';

export const command: Command = {
  usage: '[SERVER]',
  summary: 'Log out from a registry',
  maxArgs: 1,
  flags: [{ name: 'authfile', type: 'string', value: 'path', help: 'Path of the credentials file (default: $DOCKER_CONFIG/config.json)' }],
  async run(ctx, flags, args) {
    const server = args[0] ?? 'docker.io';
    const engine = await ctx.engine();
    const { key, removed } = await engine.auth.logout(server, { authFile: (flags.authfile as string | undefined) ?? process.env.REGISTRY_AUTH_FILE });
    ctx.out(removed ? `Removing login credentials for ${key}\n` : `Not logged in to ${key}\n`);
  },
};
