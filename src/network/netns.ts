// Named network namespaces (/run/netns/NAME, where iproute2 keeps them), as CNI wants a path to join.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { unavailable } from '../errdefs/index.ts';
import { makeNetns, MNT_DETACH, umount2 } from '../sys/index.ts';

export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export async function createNetns(name: string): Promise<string> {
  const path = netnsPath(name);
  try {
    await mkdir(NETNS_DIR, { recursive: true });
    await writeFile(path, '', { flag: 'wx', mode: 0o444 });
  } catch (err) {
    throw unavailable(`cannot create network namespace ${name}: ${(err as Error).message}`);
  }
  try {
    makeNetns(path);
  } catch (err) {
    await rm(path, { force: true });
    throw unavailable(`cannot create network namespace ${name}: ${(err as Error).message}`);
  }
  return path;
}

export async function deleteNetns(name: string): Promise<void> {
  const path = netnsPath(name);
  if (!existsSync(path)) return;
  try {
    umount2(path, MNT_DETACH);
  } catch {
    // not mounted (a create that failed half way): the file alone goes
  }
  await rm(path, { force: true });
}
