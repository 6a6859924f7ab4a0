// Platforms (os/architecture/variant): the host's, parsing `--platform`, and choosing a manifest
// from an index the way containerd's default matcher does.
import { invalidArgument } from '../errdefs/index.ts';
import type { Descriptor, Index } from './manifest.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386', x64: 'amd64', ia32: '386' };

// Go's GOOS and GOARCH values, as containerd's platforms package knows them (isKnownOS, isKnownArch).
const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos']);
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le',
  'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
]);

/** containerd's normalizeOS: lower case, and macos is darwin. */
function normalizeOs(os: string): string {
  const o = os.toLowerCase();
  return o === 'macos' ? 'darwin' : o;
}

export function normalizePlatform(p: Platform): Platform {
  const arch = p.architecture.toLowerCase();
  const architecture = ARCH_ALIASES[arch] ?? arch;
  let variant = p.variant?.toLowerCase();
  // As containerd's normalizeArch: armhf is arm/v7, armel arm/v6, i386 has no variant, amd64/v1 is plain amd64.
  if (arch === 'armhf') variant = 'v7';
  if (arch === 'armel') variant = 'v6';
  if (architecture === '386') variant = undefined;
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  if (architecture === 'arm64' && (variant === undefined || variant === '8' || variant === 'v8' || variant === 'v8.0')) variant = undefined;
  if (architecture === 'arm64' && (variant === '9' || variant === '9.0' || variant === 'v9.0')) variant = 'v9';
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  if (architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  return { ...p, os: normalizeOs(p.os), architecture, ...(variant !== undefined ? { variant } : { variant: undefined }) };
}

export function hostPlatform(): Platform {
  const arch = ARCH_ALIASES[process.arch] ?? process.arch;
  return normalizePlatform({ os: 'linux', architecture: arch });
}

const COMPONENT = /^[A-Za-z0-9_-]+$/;

export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  for (const c of parts) {
    if (!COMPONENT.test(c)) throw invalidArgument(`"${c}" is an invalid component of "${s}": platform specifier component must match "^[A-Za-z0-9_-]+$"`);
  }
  if (parts.length > 3) throw invalidArgument(`"${s}": unknown platform format`);
  if (parts.length === 1) {
    // As containerd: a known OS alone means that OS on the host architecture; a known
    // architecture alone means linux (the host OS); anything else is refused.
    const p = parts[0] as string;
    const os = normalizeOs(p);
    if (KNOWN_OS.has(os)) return { ...hostPlatform(), os };
    const q = normalizePlatform({ os: 'linux', architecture: p });
    if (KNOWN_ARCH.has(q.architecture)) return q;
    throw invalidArgument(`"${s}": unknown operating system or architecture`);
  }
  return normalizePlatform({ os: parts[0] as string, architecture: parts[1] as string, ...(parts[2] ? { variant: parts[2] } : {}) });
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** arm variants a host of `variant` can run, best first (a v7 host runs v7, v6, v5). */
function armVariants(variant: string | undefined): (string | undefined)[] {
  const n = Number((variant ?? 'v7').slice(1));
  const out: (string | undefined)[] = [];
  for (let v = n; v >= 5; v--) out.push(`v${v}`);
  return out;
}

export function matchPlatform(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  if (w.architecture === 'arm') return armVariants(w.variant).includes(h.variant);
  return (w.variant ?? '') === (h.variant ?? '') || h.variant === undefined;
}

/** The best manifest of an index for a platform, or undefined when none fits. */
export function selectManifest(index: Index, want: Platform): Descriptor | undefined {
  const w = normalizePlatform(want);
  const candidates = index.manifests.filter((d) => d.platform && matchPlatform(w, d.platform));
  if (candidates.length === 0) return undefined;
  const rank = (d: Descriptor): number => {
    const v = normalizePlatform(d.platform as Platform).variant;
    return w.architecture === 'arm' ? armVariants(w.variant).indexOf(v) : v === w.variant ? 0 : 1;
  };
  return [...candidates].sort((a, b) => rank(a) - rank(b))[0];
}
