// `berth image copy` between every kind of location, checked with skopeo on the other side:
// digests survive when the format does, the store end unpacks and runs, errors are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berth, ok, run, rootWithBusybox, tempDir } from './helpers.ts';
import { startRegistry } from './registry-servers.ts';

const skopeoDigest = async (location: string): Promise<string> => (JSON.parse((await ok(run('skopeo', ['inspect', '--tls-verify=false', location]))).stdout) as { Digest: string }).Digest;

test('image copy: store, OCI layout, registry, oci-archive, docker-archive (new and legacy), back to a store', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  const at = (name: string): string => join(work.dir, name);

  // The store to a layout: the layers are kept as stored (uncompressed), so the manifest digest stays.
  const stored = JSON.parse((await ok(berth(root, ['image', 'inspect', 'busybox']))).stdout) as { Descriptor?: { digest: string } }[];
  const out = await ok(berth(root, ['image', 'copy', '--digestfile', at('d1'), 'busybox', `oci:${at('layout')}:bb`]));
  assert.match(out.stdout, /^Copying blob [0-9a-f]{12} done\n(?:.*\n)*Writing manifest to image destination\n$/);
  const digest = await readFile(at('d1'), 'utf8');
  assert.equal(await skopeoDigest(`oci:${at('layout')}:bb`), digest);
  if (stored[0]?.Descriptor) assert.equal(stored[0].Descriptor.digest, digest);

  // Layout → registry → oci-archive: the same digest at every step.
  await ok(berth(root, ['image', 'copy', '-q', `oci:${at('layout')}:bb`, `docker://${reg.host}/copy/bb:1`]));
  assert.equal(await skopeoDigest(`docker://${reg.host}/copy/bb:1`), digest);
  const again = await ok(berth(root, ['image', 'copy', `oci:${at('layout')}:bb`, `docker://${reg.host}/copy/bb:1`]));
  assert.match(again.stdout, /skipped: already exists/, 'blobs the registry has are not sent again');
  await ok(berth(root, ['image', 'copy', '-q', `docker://${reg.host}/copy/bb:1`, `oci-archive:${at('bb.oci.tar')}:bb`]));
  assert.equal(await skopeoDigest(`oci-archive:${at('bb.oci.tar')}:bb`), digest);

  // Into an empty store: unpacked, named, runnable.
  const fresh = await tempDir();
  t.after(fresh.cleanup);
  const other = join(fresh.dir, 'root');
  await ok(berth(other, ['image', 'copy', '-q', `oci-archive:${at('bb.oci.tar')}:bb`, 'berth:copied/bb:1']));
  assert.equal((await ok(berth(other, ['run', '--rm', 'copied/bb:1', 'echo', 'copied']))).stdout, 'copied\n');
  assert.equal((await ok(berth(other, ['system', 'check']))).stdout, 'No problems found.\n');

  // docker-archive both ways: berth writes what docker load and skopeo read; skopeo's legacy one comes back in.
  await ok(berth(root, ['image', 'copy', '-q', 'busybox', `docker-archive:${at('bb.docker.tar')}:saved/bb:2`]));
  const manifestJson = JSON.parse((await ok(run('tar', ['-xOf', at('bb.docker.tar'), 'manifest.json']))).stdout) as { RepoTags: string[] }[];
  assert.deepEqual(manifestJson[0]?.RepoTags, ['saved/bb:2']);
  await ok(berth(other, ['load', '-i', at('bb.docker.tar')]));
  await ok(run('skopeo', ['copy', '--quiet', `docker-archive:${at('bb.docker.tar')}`, `docker-archive:${at('legacy.tar')}:legacy/bb:3`]));
  await ok(berth(other, ['image', 'copy', '-q', `docker-archive:${at('legacy.tar')}`, `docker://${reg.host}/copy/legacy:3`]));
  await ok(berth(other, ['image', 'copy', '-q', `docker://${reg.host}/copy/legacy:3`, 'legacy:3']));
  assert.equal((await ok(berth(other, ['run', '--rm', 'legacy:3', 'true']))).code, 0);

  // Errors say what and where.
  const bad = await berth(root, ['image', 'copy', 'dir:/tmp/x', `oci:${at('l2')}`]);
  assert.deepEqual([bad.code, bad.stderr], [1, 'Error response from daemon: unsupported image location "dir:/tmp/x": use docker://, oci:, oci-archive:, docker-archive: or berth:\n']);
  const missing = await berth(root, ['image', 'copy', `oci:${at('nowhere')}`, `oci:${at('l2')}`]);
  assert.match(missing.stderr, /is not an OCI layout: it has no index\.json/);
  await ok(berth(root, ['image', 'copy', '-q', 'busybox', `oci:${at('layout')}:second`]));
  const ambiguous = await berth(root, ['image', 'copy', `oci:${at('layout')}`, `oci:${at('l2')}`]);
  assert.match(ambiguous.stderr, /holds 2 images: name one/);
  const nothing = await berth(root, ['image', 'copy', `oci:${at('layout')}:none`, `oci:${at('l2')}`]);
  assert.match(nothing.stderr, /no image named "none" in the OCI layout/);
});
