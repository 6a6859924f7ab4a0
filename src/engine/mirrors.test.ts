import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.ts';
import { validateMirror } from './mirrors.ts';

test('mirrors: http(s) URLs with an optional path, normalized to end with a slash, as dockerd keeps them', () => {
  assert.equal(validateMirror('http://127.0.0.1:5000'), 'http://127.0.0.1:5000/');
  assert.equal(validateMirror('https://mirror.example'), 'https://mirror.example/');
  assert.equal(validateMirror('https://mirror.example/v1/'), 'https://mirror.example/v1/');
  assert.equal(validateMirror('http://[::1]:5000/hub'), 'http://[::1]:5000/hub/');
});

test("mirrors: dockerd's refusals, word for word", () => {
  const refused = (mirror: string, message: string): void => assert.throws(() => validateMirror(mirror), { kind: 'InvalidArgument', message } as object);
  refused('mirror-1.example.com', `invalid mirror: no scheme specified for "mirror-1.example.com": must use either 'https://' or 'http://'`);
  refused('mirror-1.example.com:5000', `invalid mirror: no scheme specified for "mirror-1.example.com:5000": must use either 'https://' or 'http://'`);
  refused('://mirror', `invalid mirror: no scheme specified for "://mirror": must use either 'https://' or 'http://'`);
  refused('ftp://mirror-1.example.com', `invalid mirror: unsupported scheme "ftp" in "ftp://mirror-1.example.com": must use either 'https://' or 'http://'`);
  refused('http://mirror-1.example.com/?q=foo', 'invalid mirror: query or fragment at end of the URI "http://mirror-1.example.com/?q=foo"');
  refused('http://mirror-1.example.com/v1/#frag', 'invalid mirror: query or fragment at end of the URI "http://mirror-1.example.com/v1/#frag"');
  refused('https://user:secret@mirror-1.example.com', 'invalid mirror: username/password not allowed in URI "https://user:xxxxx@mirror-1.example.com/"');
  refused('!invalid!://%as%', 'invalid mirror: "!invalid!://%as%" is not a valid URI');
  refused('http://', 'invalid mirror: "http://" is not a valid URI');
});

test("berth's config file: registry-mirrors is a list of valid mirrors, kept normalized", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-mirrors-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ 'registry-mirrors': ['http://127.0.0.1:5000', 'https://m.example/hub/'] }));
  assert.deepEqual(loadConfig(file)['registry-mirrors'], ['http://127.0.0.1:5000/', 'https://m.example/hub/']);
  await writeFile(file, JSON.stringify({ 'registry-mirrors': 'http://127.0.0.1:5000' }));
  assert.throws(() => loadConfig(file), { message: `config file ${file}: "registry-mirrors" must be a list of http(s) URLs` });
  await writeFile(file, JSON.stringify({ 'registry-mirrors': ['127.0.0.1:5000'] }));
  assert.throws(() => loadConfig(file), { message: `config file ${file}: invalid mirror: no scheme specified for "127.0.0.1:5000": must use either 'https://' or 'http://'` });
});
