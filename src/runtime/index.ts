export { chooseRuntime, cgroupMode, findExecutable, type CgroupMode, type RuntimeChoice } from './detect.ts';
export { OciRuntime, runtimeMessage, type RuntimeState } from './oci.ts';
export { startConmon, type ConmonOptions, type ConmonStarted } from './conmon.ts';
export { AttachSession, type AttachHandlers } from './attach.ts';
export { generateSpec, commandLine, environment, execProcess, DEFAULT_PATH, type SpecInput, type SpecProcess, type ExecInput, type Mount, type Rlimit, type LinuxResources } from './spec.ts';
export { effectiveCapabilities, hostCapabilities, normalizeCapability, DEFAULT_CAPABILITIES, ALL_CAPABILITIES } from './caps.ts';
export { resolveUser, resolveUserFrom, type ResolvedUser } from './user.ts';
export { resolveInRoot, readInRoot } from './rootfs.ts';
export { defaultSeccompProfile, type LinuxSeccomp, type SeccompRule } from './seccomp.ts';
