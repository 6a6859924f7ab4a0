// The suite's last step: fail if any test left mounts, monitor/runtime processes, cgroups or
// temporary files behind.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

function leftBehind(): string[] {
  const problems: string[] = [];
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => /berth-test-|\/berth\//.test(l));
  if (mounts.length > 0) problems.push(`mounts left behind:\n${mounts.join('\n')}`);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (/berth-test-/.test(cmd) && /conmon|runc|crun|catatonit|tini/.test(cmd)) problems.push(`process left behind: ${pid} ${cmd}`);
    // Daemons the API tests started (their roots are test roots).
    if (/berth-test-/.test(cmd) && / daemon /.test(cmd)) problems.push(`berth daemon left behind: ${pid} ${cmd}`);
    // Registries the registry tests started: their config lives in the suite's temporary directory.
    if (/docker-registry/.test(cmd) && (/berth-test-/.test(cmd) || cmd.includes(tmpdir()))) problems.push(`registry left behind: ${pid} ${cmd}`);
  }
  // Container cgroups live under /berth/<id> in every hierarchy; the runtime removes them on delete.
  for (const base of ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((h) => `/sys/fs/cgroup/${h}`)]) {
    const dir = `${base}/berth`;
    if (!existsSync(dir)) continue;
    const left = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
    if (left.length > 0) problems.push(`cgroups left behind in ${dir}: ${left.map((e) => e.name).join(', ')}`);
    else rmdirSync(dir); // the empty parent berth made: leave the machine as it was
  }
  // Networks: namespaces, bridges and NAT rules that berth's CNI networks make for containers.
  if (existsSync('/run/netns')) {
    const spaces = readdirSync('/run/netns').filter((n) => n.startsWith('berth-'));
    if (spaces.length > 0) problems.push(`network namespaces left behind: ${spaces.join(', ')}`);
  }
  const links = readdirSync('/sys/class/net').filter((n) => /^(berth[0-9a-f]{8}|br-[0-9a-f]{12})$/.test(n));
  if (links.length > 0) problems.push(`bridges left behind: ${links.join(', ')}`);
  let nat = '';
  try {
    nat = ['nat', 'filter'].map((t) => execFileSync('iptables', ['-t', t, '-S'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()).join('\n');
  } catch {
    // no iptables: nothing of ours there either
  }
  const rules = nat.split('\n').filter((l) => /name: \\?"berth-|CNI-HOSTPORT|berth network /.test(l));
  if (rules.length > 0) problems.push(`firewall rules left behind:\n${rules.join('\n')}`);
  // scripts/test.sh gives the run a temporary directory of its own: whatever is still in it was left.
  // node-compile-cache is Node's own cache, made by tools that enable it (tsc, eslint).
  const left = readdirSync(tmpdir()).filter((name) => name !== 'node-compile-cache');
  if (left.length > 0) problems.push(`temporary files left behind in ${tmpdir()}: ${left.join(', ')}`);
  return problems;
}

// A conmon outlives its container by its exit command's one-second delay (and a `run --rm` that
// just returned may still be removing): look again for a few seconds before calling it a leak.
let problems = leftBehind();
for (let i = 0; problems.length > 0 && i < 10; i++) {
  await sleep(500);
  problems = leftBehind();
}
if (problems.length > 0) {
  console.error(`leak check failed:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('leak check: nothing left behind');
