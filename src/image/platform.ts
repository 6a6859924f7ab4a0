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

export function normalizePlatform(p: Platform): Platform {
  const architecture = ARCH_ALIASES[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
  let variant = p.variant;
  if (architecture === 'arm64' && (variant === undefined || variant === '8' || variant === 'v8')) variant = undefined;
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  if (architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  return { ...p, os: p.os.toLowerCase(), architecture, ...(variant !== undefined ? { variant } : { variant: undefined }) };
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
    // "linux" alone means the host architecture; an architecture alone means linux.
    const p = parts[0] as string;
    return p === 'linux' ? hostPlatform() : normalizePlatform({ os: 'linux', architecture: p });
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
