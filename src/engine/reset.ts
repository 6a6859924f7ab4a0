// `system reset`: a root back to nothing. Every container, volume and network goes, with what they
// keep on the host (mounts, namespaces, the bridges and firewall rules networks keep from their
// first container on), then the root directory with its images and build cache.
import { rm } from 'node:fs/promises';
import { unmountUnder } from '../sys/index.ts';
import { removeNetworkHost } from './container-network.ts';
import type { LocalContainerService } from './containers.ts';
import type { VolumeService } from './types.ts';

export async function resetRoot(root: string, containers: LocalContainerService, volumes: VolumeService): Promise<void> {
  for (const c of await containers.records()) await containers.remove(c.Id, { force: true, volumes: true });
  for (const v of await volumes.list()) await volumes.remove(v.Name, { force: true });
  for (const n of await containers.networks.list()) await removeNetworkHost(n);
  unmountUnder(root);
  await rm(root, { recursive: true, force: true });
}
