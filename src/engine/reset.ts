// `system reset`: a root back to nothing. Every container, volume and network goes, with what they
// keep on the host (mounts, namespaces, the bridges and firewall rules networks keep from their
// first container on), then berth's directories in the root, with its images and build cache.
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidArgument, isKind } from '../errdefs/index.ts';
import { unmountUnder } from '../sys/index.ts';
import { removeNetworkHost } from './container-network.ts';
import type { LocalContainerService } from './containers.ts';
import type { VolumeService } from './types.ts';

/** What berth keeps at the top of a root. Only these go: a root may be a directory that holds other files too. */
const ROOT_ENTRIES = ['containers', 'volumes', 'networks', 'runtime', 'exits', 'events', 'build-cache-mounts', 'l', 'layers', 'blobs', 'tmp', 'meta'];

export async function resetRoot(root: string, containers: LocalContainerService, volumes: VolumeService): Promise<void> {
  const real = realpathSync(root);
  if (real === '/') throw invalidArgument('system reset: refusing to reset a root of "/"');
  const daemon = processesNaming([root, real]).find((p) => p.args.includes('daemon') || (p.args.includes('system') && p.args.includes('service')));
  if (daemon) throw conflict(`system reset: a berth daemon (pid ${daemon.pid}) serves ${root}: stop it first`, root);
  const gone = (err: unknown): undefined => {
    if (isKind(err, 'NotFound')) return undefined; // removed meanwhile (an --rm container's own clean-up)
    throw err;
  };
  for (const c of await containers.records()) await containers.remove(c.Id, { force: true, volumes: true }).catch(gone);
  await processesEnd([root, real]); // conmon's exit commands, which would recreate parts of the root
  for (const v of await volumes.list()) await volumes.remove(v.Name, { force: true }).catch(gone);
  for (const n of await containers.networks.recorded()) await removeNetworkHost(n);
  for (const e of ROOT_ENTRIES) {
    unmountUnder(join(real, e));
    await rm(join(real, e), { recursive: true, force: true });
  }
  await rmdir(real).catch(() => undefined); // a directory with other files stays
}

/** Processes (but this one) with one of `paths` as an argument: berth commands run with --root. */
function processesNaming(paths: string[]): { pid: number; args: string[] }[] {
  const out: { pid: number; args: string[] }[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => paths.includes(a))) out.push({ pid, args });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits (up to 10 s) for the processes naming the root to end. */
async function processesEnd(paths: string[]): Promise<void> {
  for (let i = 0; i < 100 && processesNaming(paths).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
}
