// `berth system reset [-f]`: podman's command. The root back to nothing, its bridges and firewall
// rules included (networks keep them from their first container on, as Docker keeps docker0).
import { existsSync, realpathSync } from 'node:fs';
import { invalidArgument } from '../../../errdefs/index.ts';
import type { Command } from '../../command.ts';
import { confirm } from '../../prompt.ts';

export const command: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove every container, image, volume and network of the root, and what they keep on the host',
  maxArgs: 0,
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' }],
  async run(ctx, flags) {
    const warning = `WARNING! This will remove:
        - all containers
        - all networks, with their bridges and firewall rules
        - all volumes
        - all images
        - all build cache
        - the root directory ${ctx.root}`;
    // Checked before the engine opens the root, which makes its directories.
    if (!existsSync(ctx.root)) return; // nothing to reset
    if (realpathSync(ctx.root) === '/') throw invalidArgument('system reset: refusing to reset a root of "/"');
    if (flags.force !== true && !(await confirm(warning))) return;
    await (await ctx.engine()).system.reset();
  },
};
