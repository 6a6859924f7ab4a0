import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cgroupDirs, controllerDir, ioStatEntries, parseBlkio, parseCgroupMounts, parseFlatKeyed, parseNestedKeyed, parseNetDev,
  parseNumberList, parsePidList, parseProcStat, parseSingle, processesDir,
} from './cgroups.ts';

const HYBRID = `\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
90 80 0:36 /berth/abc /mnt/in\\040here rw,relatime - cgroup cgroup rw,pids
`;

const UNIFIED = `\
25 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

test('mountinfo: cgroup mounts with their controllers, escapes undone', () => {
  const mounts = parseCgroupMounts(HYBRID);
  assert.equal(mounts.length, 7, 'the tmpfs is not a cgroup mount');
  assert.deepEqual(mounts[0], { version: 1, mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', controllers: ['cpu', 'cpuacct'] });
  assert.deepEqual(mounts[4]?.controllers, ['name=systemd'], 'mount options such as xattr are not controllers');
  assert.deepEqual(mounts[5], { version: 2, mountPoint: '/sys/fs/cgroup/unified', root: '/', controllers: [] });
  assert.equal(mounts[6]?.mountPoint, '/mnt/in here');
});

test('a container\'s cgroup directories on hybrid, pure v2 and legacy hosts', () => {
  const hybrid = cgroupDirs('/berth/abc', parseCgroupMounts(HYBRID));
  assert.equal(hybrid.version, 1);
  assert.equal(hybrid.unified, '/sys/fs/cgroup/unified/berth/abc');
  assert.equal(controllerDir(hybrid, 'cpuacct'), '/sys/fs/cgroup/cpu,cpuacct/berth/abc');
  assert.equal(controllerDir(hybrid, 'pids'), '/sys/fs/cgroup/pids/berth/abc', 'the hierarchy root wins over a bind mount of a sub-cgroup');
  assert.equal(processesDir(hybrid), '/sys/fs/cgroup/pids/berth/abc', 'v1 processes are read from the pids hierarchy');
  assert.equal(controllerDir(hybrid, 'io'), undefined);

  const v2 = cgroupDirs('/berth/abc', parseCgroupMounts(UNIFIED));
  assert.deepEqual(v2, { version: 2, unified: '/sys/fs/cgroup/berth/abc', v1: {} });
  assert.equal(controllerDir(v2, 'memory'), '/sys/fs/cgroup/berth/abc');
  assert.equal(processesDir(v2), '/sys/fs/cgroup/berth/abc');

  const legacy = cgroupDirs('/berth/abc', parseCgroupMounts(HYBRID.split('\n').filter((l) => !l.includes('cgroup2') && !l.includes('pids')).join('\n')));
  assert.equal(legacy.version, 1);
  assert.equal(legacy.unified, undefined);
  assert.equal(processesDir(legacy), '/sys/fs/cgroup/memory/berth/abc', 'without a pids hierarchy, another one lists the processes');
});

test('single values, PID lists and number lists', () => {
  assert.equal(parseSingle('67108864\n'), 67108864);
  assert.equal(parseSingle('max\n'), undefined);
  assert.equal(parseSingle(undefined), undefined);
  assert.deepEqual(parsePidList('12\n345\n\n'), [12, 345]);
  assert.deepEqual(parseNumberList('4664035 15631322 \n'), [4664035, 15631322]);
  assert.deepEqual(parseNumberList(undefined), []);
});

test('flat-keyed files: memory.stat, cpu.stat, memory.events', () => {
  const stat = parseFlatKeyed('cache 0\nrss 53248\ntotal_inactive_file 4096\nhierarchical_memory_limit 9223372036854771712\n');
  assert.deepEqual(Object.keys(stat), ['cache', 'rss', 'total_inactive_file', 'hierarchical_memory_limit']);
  assert.equal(stat.rss, 53248);
  assert.equal(stat.total_inactive_file, 4096);
  assert.deepEqual(parseFlatKeyed('usage_usec 20295\nuser_usec 10147\nsystem_usec 10147\n'), { usage_usec: 20295, user_usec: 10147, system_usec: 10147 });
  assert.deepEqual(parseFlatKeyed('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\nbroken line here\n\n'), { low: 0, high: 0, max: 3, oom: 1, oom_kill: 1 });
  assert.deepEqual(parseFlatKeyed(undefined), {});
});

test('nested-keyed io.stat becomes Docker\'s read and write entries', () => {
  const io = parseNestedKeyed('8:0 rbytes=1048576 wbytes=4096 rios=16 wios=1 dbytes=0 dios=0\n253:1 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n');
  assert.deepEqual(io.get('8:0'), { rbytes: 1048576, wbytes: 4096, rios: 16, wios: 1, dbytes: 0, dios: 0 });
  assert.deepEqual(ioStatEntries(io, 'rbytes', 'wbytes'), [
    { major: 8, minor: 0, op: 'read', value: 1048576 },
    { major: 8, minor: 0, op: 'write', value: 4096 },
    { major: 253, minor: 1, op: 'read', value: 512 },
    { major: 253, minor: 1, op: 'write', value: 0 },
  ]);
  assert.equal(parseNestedKeyed('').size, 0);
});

test('v1 blkio files: per-device operations, without the Total line', () => {
  assert.deepEqual(parseBlkio('8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n'), [
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 8192 },
    { major: 8, minor: 0, op: 'Sync', value: 12288 },
    { major: 8, minor: 0, op: 'Async', value: 0 },
    { major: 8, minor: 0, op: 'Discard', value: 0 },
    { major: 8, minor: 0, op: 'Total', value: 12288 },
  ]);
  assert.deepEqual(parseBlkio('Total 0\n'), []);
});

test('/proc/stat: the host\'s CPU time in nanoseconds and the CPUs online, as Docker counts them', () => {
  const text = 'cpu  100 20 300 4000 50 6 7 800 0 0\ncpu0 50 10 150 2000 25 3 4 400 0 0\ncpu1 50 10 150 2000 25 3 3 400 0 0\nintr 12345\nctxt 999\n';
  // user+nice+system+idle+iowait+irq+softirq = 4483 ticks; steal is left out, as Docker leaves it out.
  assert.deepEqual(parseProcStat(text), { systemUsage: 44_830_000_000, onlineCpus: 2 });
});

test('/proc/<pid>/net/dev: counters by interface', () => {
  const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
  eth0: 1234567    890    1    2    0     0          0         3   765432     456    4    5    0     0       0          0
`;
  assert.deepEqual(parseNetDev(text), {
    lo: { rx_bytes: 140, rx_packets: 2, rx_errors: 0, rx_dropped: 0, tx_bytes: 140, tx_packets: 2, tx_errors: 0, tx_dropped: 0 },
    eth0: { rx_bytes: 1234567, rx_packets: 890, rx_errors: 1, rx_dropped: 2, tx_bytes: 765432, tx_packets: 456, tx_errors: 4, tx_dropped: 5 },
  });
});
