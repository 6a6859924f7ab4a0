// Requests per second against a Docker Engine API socket: `node dist/bench/api-load.js SOCKET PATH
// CONCURRENCY SECONDS [PID]`. Keep-alive connections, CONCURRENCY requests in flight; prints
// "rps=N errors=N rss_kb=N" (the resident memory of PID, the daemon, at the end of the load).
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [socket, path, concurrency = '8', seconds = '10', pid] = process.argv.slice(2);
if (!socket || !path) {
  console.error('usage: api-load SOCKET PATH [CONCURRENCY] [SECONDS] [PID]');
  process.exit(2);
}

function rssKb(p: string | undefined): number {
  if (!p) return 0;
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const deadline = Date.now() + Number(seconds) * 1000;
let done = 0;
let errors = 0;
let peakRss = 0;

function one(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, path, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) done++;
        else errors++;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end();
  });
}

async function worker(): Promise<void> {
  while (Date.now() < deadline) await one();
}

const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKb(pid))), 200);
const started = Date.now();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
clearInterval(sampler);
const elapsed = (Date.now() - started) / 1000;
console.log(`rps=${(done / elapsed).toFixed(1)} errors=${errors} rss_kb=${Math.max(peakRss, rssKb(pid))}`);
agent.destroy();
