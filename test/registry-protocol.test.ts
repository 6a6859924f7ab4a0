// The distribution protocol pieces the CLI tests do not reach, through berth's registry client
// against the reference registry: chunked uploads, ranges, wrong digests, tag pages, referrers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { RegistryClient } from '../src/transport/index.ts';
import { startRegistry } from './registry-servers.ts';

const sha = (b: Buffer): `sha256:${string}` => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function bytesOf(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks);
}

test('uploads in chunks and whole, ranges, a wrong digest refused, tags in pages, no referrers API on 2.8', async (t) => {
  const reg = await startRegistry({ auth: 'none' });
  t.after(() => reg.stop());
  const client = await RegistryClient.connect(reg.host);
  t.after(() => client.close());
  assert.equal(client.base, `http://${reg.host}`, 'a loopback registry without TLS is reached over plain HTTP');

  const data = randomBytes(300_000);
  const desc = { digest: sha(data), size: data.length };
  assert.equal(await client.hasBlob('p/chunks', desc.digest), undefined);
  await client.pushBlob('p/chunks', desc, (start) => Readable.from([data.subarray(start)]), { chunkSize: 64 * 1024 });
  assert.equal(await client.hasBlob('p/chunks', desc.digest), data.length);
  assert.deepEqual(await bytesOf((await client.blob('p/chunks', desc.digest)).body), data);
  const ranged = await client.blob('p/chunks', desc.digest, 1000);
  assert.equal(ranged.status, 206);
  assert.deepEqual(await bytesOf(ranged.body), data.subarray(1000));

  // A blob whose bytes do not match the digest it is uploaded under is refused by the registry.
  const other = randomBytes(1000);
  await assert.rejects(client.pushBlob('p/chunks', { digest: sha(randomBytes(10)), size: other.length }, () => Readable.from([other])), /digest invalid/);

  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  await client.pushBlob('p/tags', { digest: sha(config), size: config.length }, () => Readable.from([config]));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: [] }));
  const tags = ['e', 'a', 'd', 'b', 'c'];
  for (const tag of tags) assert.equal(await client.putManifest('p/tags', tag, { bytes: manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }), sha(manifest));
  // Every tag once, over three pages of two (registry 2.8 pages in its own order, not sorted).
  assert.deepEqual((await client.tags('p/tags', 2)).sort(), ['a', 'b', 'c', 'd', 'e']);
  const head = await client.headManifest('p/tags', 'a');
  assert.equal(head?.digest, sha(manifest));
  assert.equal(await client.headManifest('p/tags', 'zzz'), undefined);
  const got = await client.manifest('p/tags', sha(manifest));
  assert.deepEqual([got.digest, got.mediaType], [sha(manifest), 'application/vnd.oci.image.manifest.v1+json']);
  assert.equal(await client.referrers('p/tags', sha(manifest)), undefined, 'registry 2.8 has no referrers API');
  await assert.rejects(client.manifest('p/tags', 'nope'), /manifest unknown/);
});
