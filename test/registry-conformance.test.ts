// The OCI distribution-spec conformance suite (registry-conformance.ts) against the reference
// registry (docker-registry 2.8) and against berth's own, `berth registry serve`.
//
// BERTH_REGISTRY_CONFORMANCE chooses what runs:
//   unset or '1'  both registries
//   '0'           the reference registry only (berth's half is not registered)
//   'only'        berth's registry only
// With BERTH_REGISTRY_URL=http://127.0.0.1:PORT the berth half runs against a server already
// listening there (started by hand, in a debugger…) instead of starting one. With
// BERTH_REGISTRY_LACKS=referrers,catalog,… it skips the checks of features not there yet.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { berthBin, tempDir } from './helpers.ts';
import { startRegistry, httpRequest } from './registry-servers.ts';
import { conformanceTests, type RegistryFeature, type RegistryUnderTest } from './registry-conformance.ts';

const mode = process.env.BERTH_REGISTRY_CONFORMANCE ?? '1';

if (mode !== 'only') {
  conformanceTests('reference registry', async () => {
    const reg = await startRegistry({ auth: 'none' });
    return {
      url: reg.url,
      stop: () => reg.stop(),
      lacks: ['referrers'],
      // docker-registry 2.8 (Debian's 2.8.2) against spec 1.1:
      deviations: ['tag-order', 'tag-paging', 'chunk-order', 'range-416-framing', 'malformed-digest-500'],
    };
  });
}

if (mode !== '0') conformanceTests('berth registry', startBerthRegistry);

/**
 * `berth --root TMPROOT registry serve --listen 127.0.0.1:PORT` on a free port, once GET /v2/
 * answers 200. stop() sends SIGTERM, waits for the exit and removes the root.
 */
async function startBerthRegistry(): Promise<RegistryUnderTest> {
  const lacks = (process.env.BERTH_REGISTRY_LACKS ?? '').split(',').map((s) => s.trim()).filter(Boolean) as RegistryFeature[];
  const given = process.env.BERTH_REGISTRY_URL;
  if (given) return { url: given.replace(/\/+$/, ''), lacks, stop: async () => undefined };

  const { dir, cleanup } = await tempDir('berth-registry-conformance-');
  const root = join(dir, 'root');
  // Another process may take the free port before berth binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const url = `http://127.0.0.1:${await freePort()}`;
    const args = ['--root', root, 'registry', 'serve', '--listen', url.slice('http://'.length)];
    const child = spawn(berthBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => output.push(c));
    child.stderr.on('data', (c: Buffer) => output.push(c));
    const log = (): string => Buffer.concat(output).toString();
    const spawned = new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    const spawnError = await spawned;
    if (spawnError) {
      await cleanup();
      throw spawnError;
    }
    if (await waitUntilServing(child, `${url}/v2/`)) {
      let stopping: Promise<void> | undefined;
      return {
        url, lacks,
        stop: () => stopping ??= (async () => {
          try {
            await terminate(child, log);
          } finally {
            await cleanup();
          }
        })(),
      };
    }
    await terminate(child, log).catch(() => undefined);
    if (!/EADDRINUSE|address already in use/i.test(log()) || attempt === 3) {
      await cleanup();
      throw new Error(`\`berth ${args.join(' ')}\` did not answer GET /v2/ with 200 within 20 s:\n${log()}`);
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** Polls URL until it answers 200 (true), or the process exits or 20 s pass (false). */
async function waitUntilServing(child: ChildProcess, url: string): Promise<boolean> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    if (exited(child)) return false;
    const status = await httpRequest(url, { timeoutMs: 1000 }).then((r) => r.status, () => 0);
    if (status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** SIGTERM and the exit; a server that needs SIGKILL (after 10 s) is an error. */
async function terminate(child: ChildProcess, log: () => string): Promise<void> {
  if (exited(child)) return;
  const done = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, 10_000);
  await done;
  clearTimeout(timer);
  if (killed) throw new Error(`berth registry serve did not exit within 10 s of SIGTERM:\n${log()}`);
}
