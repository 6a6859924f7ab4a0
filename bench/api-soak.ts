// A soak of create/start/stop/rm cycles against a Docker Engine API socket:
// `node dist/bench/api-soak.js SOCKET IMAGE CLIENTS SECONDS PID`. Each client loops: create a
// `sleep 30` container (network none), start it, stop it (t=0), remove it. Every 30 s it prints the
// daemon's resident memory and open file descriptors, and at the end the cycle count and errors.
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';

const [socket, image, clients = '4', seconds = '600', pid] = process.argv.slice(2);
if (!socket || !image || !pid) {
  console.error('usage: api-soak SOCKET IMAGE CLIENTS SECONDS PID');
  process.exit(2);
}

function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath: socket, method, path, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const sample = (): string => {
  const rss = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  return `rss=${(Number(rss) / 1024).toFixed(1)}MB fds=${readdirSync(`/proc/${pid}/fd`).length}`;
};

const deadline = Date.now() + Number(seconds) * 1000;
let cycles = 0;
const errors: string[] = [];

async function client(): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const created = await call('POST', '/v1.41/containers/create', { Image: image, Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'none' } });
      if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`);
      const id = (JSON.parse(created.text) as { Id: string }).Id;
      for (const [method, path] of [['POST', `/v1.41/containers/${id}/start`], ['POST', `/v1.41/containers/${id}/stop?t=0`], ['DELETE', `/v1.41/containers/${id}`]] as const) {
        const r = await call(method, path);
        if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
      }
      cycles++;
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
}

console.log(`soak: start ${sample()}`);
const ticker = setInterval(() => console.log(`soak: ${cycles} cycles ${sample()}`), 30_000);
await Promise.all(Array.from({ length: Number(clients) }, client));
clearInterval(ticker);
console.log(`soak: end ${sample()} cycles=${cycles} errors=${errors.length}`);
// Each kind of error once (IDs and paths differ between occurrences).
const kinds = new Map<string, string>();
for (const e of errors) kinds.set(e.replace(/[0-9a-f]{64}/g, 'ID').replace(/berth-bench-\w+/g, 'WORK'), e);
for (const [kind, example] of kinds) console.log(`soak: error ${errors.filter((e) => e.replace(/[0-9a-f]{64}/g, 'ID').replace(/berth-bench-\w+/g, 'WORK') === kind).length}x: ${example}`);
