import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALLOWED_SYSCALLS, SECCOMP_ACTIONS, defaultSeccompProfile, type LinuxSeccomp } from './seccomp.ts';

const DOCKER_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];
const KERNEL = '6.1.0-18-amd64';

const profile = (extra: string[] = [], arch = 'x64', kernel = KERNEL): LinuxSeccomp =>
  defaultSeccompProfile({ capabilities: [...DOCKER_CAPS, ...extra], arch, kernel });

/** Names allowed whatever their arguments. */
const allowed = (p: LinuxSeccomp): Set<string> =>
  new Set(p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));

const rulesFor = (p: LinuxSeccomp, name: string) => p.syscalls.filter((r) => r.names.includes(name));

test('seccomp: everything not allowed fails with EPERM', () => {
  const p = profile();
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
});

test('seccomp: the allow-list is sorted and has each name once', () => {
  assert.deepEqual([...ALLOWED_SYSCALLS], [...ALLOWED_SYSCALLS].sort());
  assert.equal(new Set(ALLOWED_SYSCALLS).size, ALLOWED_SYSCALLS.length);
  for (const p of [profile(), profile(['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_BPF', 'CAP_PERFMON', 'CAP_SYSLOG'], 'arm64')]) {
    const [first] = p.syscalls;
    assert.ok(first);
    assert.equal(first.action, 'SCMP_ACT_ALLOW');
    assert.equal(first.args, undefined);
    assert.equal(new Set(first.names).size, first.names.length, 'no duplicate names in the allow rule');
    assert.deepEqual(first.names, [...first.names].sort());
    // Every other argument-free allow rule was folded into the first.
    assert.equal(p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).length, 1);
  }
});

test('seccomp: common syscalls are allowed', () => {
  const a = allowed(profile());
  for (const n of ['read', 'write', 'openat', 'execve', 'exit_group', 'futex', 'epoll_wait', 'epoll_pwait', 'io_uring_setup', 'chroot', 'arch_prctl', 'ptrace', 'name_to_handle_at']) {
    assert.ok(a.has(n), n);
  }
});

test('seccomp: clone without namespace flags; clone3 says ENOSYS so libc falls back to clone', () => {
  const p = profile();
  assert.ok(!allowed(p).has('clone'));
  const clone = rulesFor(p, 'clone');
  assert.equal(clone.length, 1);
  assert.deepEqual(clone[0], {
    names: ['clone'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
  });
  assert.deepEqual(rulesFor(p, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);

  const s390 = rulesFor(profile([], 's390x'), 'clone');
  assert.equal(s390.length, 1);
  assert.equal(s390[0]?.args?.[0]?.index, 1, "s390 passes clone's flags second");

  const admin = profile(['CAP_SYS_ADMIN']);
  assert.ok(allowed(admin).has('clone') && allowed(admin).has('clone3'));
  assert.ok(!admin.syscalls.some((r) => r.names.includes('clone') && r.args), 'no clone filter with CAP_SYS_ADMIN');
  assert.equal(admin.syscalls.filter((r) => r.action !== 'SCMP_ACT_ALLOW').length, 0);
});

test('seccomp: socket refuses AF_VSOCK; personality takes only the harmless personas', () => {
  const p = profile();
  assert.ok(!allowed(p).has('socket'));
  assert.deepEqual(rulesFor(p, 'socket'), [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }]);
  const personas = rulesFor(p, 'personality').map((r) => {
    assert.equal(r.args?.length, 1);
    assert.equal(r.args?.[0]?.op, 'SCMP_CMP_EQ');
    return r.args?.[0]?.value;
  });
  assert.deepEqual(personas, [0, 8, 0x20000, 0x20008, 0xffffffff]);
});

test('seccomp: privileged syscalls need their capability', () => {
  const table: [string, string[]][] = [
    ['CAP_SYS_ADMIN', ['mount', 'umount2', 'unshare', 'setns', 'sethostname', 'fsopen', 'move_mount', 'bpf', 'perf_event_open', 'syslog']],
    ['CAP_SYS_BOOT', ['reboot']],
    ['CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']],
    ['CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise']],
    ['CAP_SYS_TIME', ['settimeofday', 'clock_settime']],
    ['CAP_SYS_NICE', ['mbind', 'set_mempolicy']],
    ['CAP_SYS_RAWIO', ['iopl', 'ioperm']],
    ['CAP_SYS_PACCT', ['acct']],
    ['CAP_SYS_TTY_CONFIG', ['vhangup']],
    ['CAP_SYSLOG', ['syslog']],
    ['CAP_BPF', ['bpf']],
    ['CAP_PERFMON', ['perf_event_open']],
    ['CAP_DAC_READ_SEARCH', ['open_by_handle_at']],
  ];
  const base = allowed(profile());
  for (const [cap, names] of table) {
    const withCap = allowed(profile([cap]));
    for (const n of names) {
      assert.ok(!base.has(n), `${n} without ${cap}`);
      assert.ok(withCap.has(n), `${n} with ${cap}`);
    }
  }
  // Nothing in Docker's profile ever allows these.
  const all = allowed(profile(table.map(([cap]) => cap)));
  for (const n of ['kexec_load', 'kexec_file_load', 'swapon', 'pivot_root', 'userfaultfd', 'keyctl', 'add_key']) assert.ok(!all.has(n), n);
  // CAP_SYS_CHROOT is one of Docker's defaults; without it chroot goes.
  assert.ok(!allowed(defaultSeccompProfile({ capabilities: ['CAP_CHOWN'], arch: 'x64', kernel: KERNEL })).has('chroot'));
});

test('seccomp: ptrace is open from kernel 4.8, before that only with CAP_SYS_PTRACE', () => {
  const old = profile([], 'x64', '4.4.0-210-generic');
  for (const n of ['ptrace', 'process_vm_readv', 'process_vm_writev']) {
    assert.ok(!allowed(old).has(n), n);
    assert.ok(allowed(profile(['CAP_SYS_PTRACE'], 'x64', '4.4.0')).has(n), n);
    assert.ok(allowed(profile([], 'x64', '4.8.0')).has(n), n);
  }
});

test('seccomp: architectures and arch-only syscalls follow Docker', () => {
  const x64 = profile();
  assert.deepEqual(x64.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.ok(allowed(x64).has('arch_prctl') && allowed(x64).has('modify_ldt'));
  assert.ok(!allowed(x64).has('cacheflush'));

  const arm64 = profile([], 'arm64');
  assert.deepEqual(arm64.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  for (const n of ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls']) assert.ok(allowed(arm64).has(n), n);
  assert.ok(!allowed(arm64).has('arch_prctl') && !allowed(arm64).has('modify_ldt'));

  assert.deepEqual(profile([], 's390x').architectures, ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390']);
  assert.ok(allowed(profile([], 's390x')).has('s390_runtime_instr'));
  assert.deepEqual(profile([], 'riscv64').architectures, ['SCMP_ARCH_RISCV64']);
  assert.ok(allowed(profile([], 'ppc64')).has('swapcontext'));
  assert.deepEqual(profile([], 'ppc64').architectures, [], 'no archMap entry: the runtime filters the native arch');
});

test('seccomp: the profile is plain JSON with valid actions and operators', () => {
  for (const p of [profile(), profile(['CAP_SYS_ADMIN'], 'arm64'), profile([], 's390x')]) {
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
    assert.ok(SECCOMP_ACTIONS.includes(p.defaultAction));
    for (const r of p.syscalls) {
      assert.ok(SECCOMP_ACTIONS.includes(r.action), r.action);
      assert.match(r.action, /^SCMP_ACT_[A-Z_]+$/);
      assert.ok(r.names.length > 0 && r.names.every((n) => /^[a-z_][a-z0-9_]*$/.test(n)), r.names.join());
      for (const a of r.args ?? []) {
        assert.match(a.op, /^SCMP_CMP_(NE|LT|LE|EQ|GE|GT|MASKED_EQ)$/);
        assert.ok(Number.isSafeInteger(a.value) && a.value >= 0 && a.value <= 0xffffffff);
      }
      if (r.action === 'SCMP_ACT_ERRNO') assert.equal(typeof r.errnoRet, 'number');
    }
  }
  // Each call builds a fresh object: changing one profile leaves the next alone.
  const a = profile();
  a.syscalls[0]?.names.push('kexec_load');
  a.syscalls.find((r) => r.names[0] === 'socket')?.args?.splice(0);
  assert.ok(!allowed(profile()).has('kexec_load'));
  assert.equal(rulesFor(profile(), 'socket')[0]?.args?.length, 1);
});

test('seccomp: defaults to the running kernel', () => {
  const p = defaultSeccompProfile({ capabilities: DOCKER_CAPS, arch: process.arch });
  assert.ok(allowed(p).has('read'));
});
