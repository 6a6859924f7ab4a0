// Named network namespaces (/run/netns/NAME) through iproute2, as CNI wants a path to join.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { unavailable } from '../errdefs/index.ts';

const run = promisify(execFile);

export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export async function createNetns(name: string): Promise<string> {
  try {
    await run('ip', ['netns', 'add', name]);
  } catch (err) {
    throw unavailable(`cannot create network namespace ${name}: ${(err as { stderr?: string }).stderr?.trim() ?? (err as Error).message}`);
  }
  // Its loopback up, as Docker and CNI's loopback plugin leave it.
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
}

export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await run('ip', ['netns', 'delete', name]).catch(() => undefined);
}
