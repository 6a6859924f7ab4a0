// Interop with real tools: skopeo writes archives berth loads; what berth saves, skopeo reads and
// umoci unpacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, ok, run, rootWithBusybox, tempDir, makeBusyboxRootfs } from './helpers.ts';

interface SkopeoInspect {
  Digest: string;
  RepoTags: string[];
  Layers: string[];
  LayersData: { MIMEType: string; Digest: string }[];
}

/** An OCI layout made by umoci from a busybox root filesystem (berth plays no part in it). */
async function umociImage(dir: string): Promise<string> {
  const layout = join(dir, 'layout');
  await ok(run('umoci', ['init', '--layout', layout]));
  await ok(run('umoci', ['new', '--image', `${layout}:latest`]));
  const bundle = join(dir, 'bundle');
  await ok(run('umoci', ['unpack', '--image', `${layout}:latest`, bundle]));
  const rootfs = join(dir, 'rootfs-src');
  await makeBusyboxRootfs(rootfs);
  await cp(rootfs, join(bundle, 'rootfs'), { recursive: true, verbatimSymlinks: true });
  await ok(run('umoci', ['repack', '--image', `${layout}:latest`, bundle]));
  await ok(run('umoci', ['config', '--image', `${layout}:latest`, '--config.cmd', 'sh']));
  return layout;
}

test('archives written by skopeo load, and round-trip', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const layout = await umociImage(dir);
  const original = JSON.parse((await ok(run('skopeo', ['inspect', `oci:${layout}:latest`]))).stdout) as SkopeoInspect;
  const root = join(dir, 'root');

  // oci-archive: the manifest and every blob survive byte for byte.
  const ociArchive = join(dir, 'skopeo.oci.tar');
  await ok(run('skopeo', ['copy', `oci:${layout}:latest`, `oci-archive:${ociArchive}:docker.io/library/bb:oci`]));
  const loaded = await ok(berth(root, ['load', '-i', ociArchive]));
  assert.equal(loaded.stdout, 'Loaded image: bb:oci\n');
  const back = join(dir, 'berth.oci.tar');
  await ok(berth(root, ['save', '--format', 'oci-archive', '-o', back, 'bb:oci']));
  const again = JSON.parse((await ok(run('skopeo', ['inspect', `oci-archive:${back}`]))).stdout) as SkopeoInspect;
  assert.equal(again.Digest, original.Digest);
  assert.deepEqual(again.Layers, original.Layers);

  // docker-archive: skopeo decompresses layers (the format wants tars), so the config and diff IDs
  // are what survives; berth's save of it is read back by skopeo unchanged.
  const dockerArchive = join(dir, 'skopeo.docker.tar');
  await ok(run('skopeo', ['copy', `oci:${layout}:latest`, `docker-archive:${dockerArchive}:bb:docker`]));
  assert.equal((await ok(berth(root, ['load', '-i', dockerArchive]))).stdout, 'Loaded image: bb:docker\n');
  const ids = (await ok(berth(root, ['images', '--no-trunc', '--format', '{{.Tag}} {{.ID}}']))).stdout.trim().split('\n').sort();
  const idOf = (tag: string): string => (ids.find((l) => l.startsWith(`${tag} `)) as string).split(' ')[1] as string;
  assert.equal(idOf('docker'), idOf('oci'), 'same config, same image ID');
  const saved = join(dir, 'berth.docker.tar');
  await ok(berth(root, ['save', '-o', saved, 'bb:docker']));
  const fromSkopeo = JSON.parse((await ok(run('skopeo', ['inspect', `docker-archive:${dockerArchive}`]))).stdout) as SkopeoInspect;
  const fromBerth = JSON.parse((await ok(run('skopeo', ['inspect', `docker-archive:${saved}`]))).stdout) as SkopeoInspect;
  assert.deepEqual(fromBerth.Layers, fromSkopeo.Layers);
  // skopeo inspect does not list an archive's tags; copying by name proves the name is there.
  await ok(run('skopeo', ['copy', `docker-archive:${saved}:bb:docker`, `oci:${join(dir, 'by-name')}:latest`]));
});

test('what berth saves, skopeo copies and umoci unpacks', async (t) => {
  const { root, cleanup } = await rootWithBusybox('busybox:latest');
  t.after(cleanup);
  const { dir, cleanup: c2 } = await tempDir();
  t.after(c2);
  const archive = join(dir, 'bb.tar');
  await ok(berth(root, ['save', '-o', archive, 'busybox']));
  const info = JSON.parse((await ok(run('skopeo', ['inspect', `docker-archive:${archive}`]))).stdout) as SkopeoInspect;
  assert.equal(info.Layers.length, 1);
  const ociDir = join(dir, 'oci');
  await ok(run('skopeo', ['copy', `docker-archive:${archive}:busybox:latest`, `oci:${ociDir}:latest`]));
  const bundle = join(dir, 'bundle');
  await ok(run('umoci', ['unpack', '--image', `${ociDir}:latest`, bundle]));
  assert.ok((await stat(join(bundle, 'rootfs', 'bin', 'busybox'))).size > 100_000);
  assert.equal(await readFile(join(bundle, 'rootfs', 'etc', 'group'), 'utf8'), 'root:x:0:\nnogroup:x:65534:\n');

  // berth's oci-archive goes straight to umoci once skopeo unwraps the archive.
  const oci = join(dir, 'bb.oci.tar');
  await ok(berth(root, ['save', '--format', 'oci-archive', '-o', oci, 'busybox']));
  const ociDir2 = join(dir, 'oci2');
  await ok(run('skopeo', ['copy', `oci-archive:${oci}`, `oci:${ociDir2}:latest`]));
  await ok(run('umoci', ['unpack', '--image', `${ociDir2}:latest`, join(dir, 'bundle2')]));
  assert.ok((await stat(join(dir, 'bundle2', 'rootfs', 'bin', 'busybox'))).size > 100_000);
});
