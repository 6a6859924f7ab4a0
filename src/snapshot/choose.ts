// Which snapshotter a new container gets: the one configured, else overlay where the store's
// filesystem can hold an overlay upper directory (probed once per root), else the copy fallback.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../errdefs/index.ts';
import { mount, umount2, MNT_DETACH } from '../sys/index.ts';
import { CopySnapshotter } from './copy.ts';
import { OverlaySnapshotter } from './overlay.ts';
import type { Snapshotter } from './types.ts';

export type SnapshotterName = 'overlay2' | 'vfs';

export function snapshotterFor(name: SnapshotterName, root: string): Snapshotter {
  return name === 'vfs' ? new CopySnapshotter() : new OverlaySnapshotter(root);
}

/** The configured name, checked; or the probe's answer, remembered in the root. */
export async function chooseSnapshotter(root: string, requested?: string): Promise<SnapshotterName> {
  if (requested !== undefined) {
    if (requested === 'overlay' || requested === 'overlay2') return 'overlay2';
    if (requested === 'vfs' || requested === 'copy') return 'vfs';
    throw invalidArgument(`unknown snapshotter "${requested}": use overlay2 or vfs`);
  }
  // One probe at a time per root in a process: build stages create their containers together.
  let answer = probing.get(root);
  if (!answer) {
    answer = probeAndRemember(root).finally(() => probing.delete(root));
    probing.set(root, answer);
  }
  return answer;
}

const probing = new Map<string, Promise<SnapshotterName>>();

async function probeAndRemember(root: string): Promise<SnapshotterName> {
  const remembered = join(root, 'meta', 'snapshotter');
  const known = await readFile(remembered, 'utf8').catch(() => '');
  if (known === 'overlay2' || known === 'vfs') return known;
  const name = (await overlayWorks(join(root, 'tmp'))) ? 'overlay2' : 'vfs';
  await mkdir(join(root, 'meta'), { recursive: true });
  // Renamed into place, so another process never reads a half-written answer.
  const partial = `${remembered}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(partial, name);
  await rename(partial, remembered);
  return name;
}

/** Mounts a throw-away overlay under `dir`: true when the kernel and the filesystem allow it. */
export async function overlayWorks(dir: string): Promise<boolean> {
  const probe = join(dir, `overlay-probe-${process.pid}-${randomBytes(6).toString('hex')}`);
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(probe, d)) as [string, string, string, string];
  try {
    for (const d of [lower, upper, work, merged]) await mkdir(d, { recursive: true });
    mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
    umount2(merged, MNT_DETACH);
    return true;
  } catch {
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true }).catch(() => undefined);
  }
}
