// `berth registry serve`: berth's OCI registry in the foreground until SIGINT or SIGTERM.
import { join } from 'node:path';
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Serve an OCI distribution registry',
  maxArgs: 0,
  flags: [
    { name: 'listen', type: 'string', value: 'address', help: 'Where to listen: HOST:PORT or unix:///PATH', default: '127.0.0.1:5000' },
    { name: 'storage', type: 'string', value: 'dir', help: "Where to keep the registry's blobs and repositories (default: ROOT/registry)" },
    { name: 'tls-cert', type: 'string', value: 'file', help: 'Serve HTTPS with this certificate (PEM)' },
    { name: 'tls-key', type: 'string', value: 'file', help: "The certificate's private key (PEM)" },
    { name: 'htpasswd', type: 'string', value: 'file', help: 'Require these users (bcrypt htpasswd file) for access' },
    { name: 'token-auth', type: 'bool', help: 'With --htpasswd: issue bearer tokens at /token and require them (Docker token protocol)' },
    { name: 'anonymous-read', type: 'bool', help: 'With --htpasswd: let anyone pull' },
    { name: 'from-store', type: 'bool', help: "Serve berth's image store (under --root) read-only instead of a registry storage" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'No access log' },
  ],
  async run(ctx, flags) {
    const { serveRegistry } = await import('../../../registry/index.ts');
    const cert = flags['tls-cert'] as string | undefined;
    const key = flags['tls-key'] as string | undefined;
    if ((cert === undefined) !== (key === undefined)) throw new StatusError(125, '--tls-cert and --tls-key go together');
    if ((flags['token-auth'] === true || flags['anonymous-read'] === true) && flags.htpasswd === undefined) throw new StatusError(125, '--token-auth and --anonymous-read need --htpasswd');
    if (flags['from-store'] === true && flags.storage !== undefined) throw new StatusError(125, '--from-store and --storage are exclusive');
    // The store itself, not the engine: serving it is a local job that no remote engine could do.
    const store = flags['from-store'] === true ? await (await import('../../../store/index.ts')).ImageStore.open(ctx.root) : undefined;
    const registry = await serveRegistry({
      storage: store ? { store } : ((flags.storage as string | undefined) ?? join(ctx.root, 'registry')),
      listen: flags.listen as string,
      tls: cert && key ? { cert, key } : undefined,
      log: flags.quiet === true ? undefined : (line) => ctx.err(`${line}\n`),
      access: { htpasswd: flags.htpasswd as string | undefined, tokens: flags['token-auth'] === true, anonymousRead: flags['anonymous-read'] === true },
    }).catch((err: unknown) => {
      throw new StatusError(1, `Error: cannot serve the registry: ${(err as Error).message}`);
    });
    ctx.err(`berth registry: serving ${cert ? 'https' : 'http'}://${registry.address}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop).off('SIGTERM', stop);
        void registry.close().then(resolve);
      };
      process.on('SIGINT', stop).on('SIGTERM', stop);
    });
  },
};
