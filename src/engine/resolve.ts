// Finding an image the way Docker does: by name (a missing tag means :latest), by name@digest,
// by full ID, or by a unique ID prefix.
import type { Digest } from '../content/index.ts';
import { notFound, isKind } from '../errdefs/index.ts';
import type { ImageRecord, ImagesDocument } from '../meta/index.ts';
import { parseName, familiarName, looksLikeIdPrefix } from '../image/index.ts';

export interface Resolved {
  image: ImageRecord;
  /** The full name the user meant, when they named the image rather than giving its ID. */
  name?: string;
}

export function resolveImage(doc: ImagesDocument, ref: string): Resolved {
  const found = tryResolve(doc, ref);
  if (found) return found;
  let shown = ref;
  try {
    const n = parseName(ref);
    shown = familiarName(n.digest ? `${n.repository}@${n.digest}` : `${n.repository}:${n.tag ?? 'latest'}`);
  } catch {
    // not a name: show what was typed
  }
  throw notFound(`No such image: ${shown}`, ref);
}

export function tryResolve(doc: ImagesDocument, ref: string): Resolved | undefined {
  const images = Object.values(doc.images);
  const full = /^sha256:([a-f0-9]{64})$/.exec(ref);
  if (full) {
    const image = doc.images[ref as Digest];
    return image ? { image } : undefined;
  }
  let parsed: ReturnType<typeof parseName> | undefined;
  try {
    parsed = parseName(ref);
  } catch (err) {
    if (!isKind(err, 'InvalidArgument')) throw err;
  }
  if (parsed) {
    if (parsed.digest) {
      const canonical = `${parsed.repository}@${parsed.digest}`;
      const image = images.find((i) => i.digests.includes(canonical) || (i.manifest === parsed.digest && i.names.some((n) => n.startsWith(`${parsed.repository}:`))));
      if (image) return { image, name: parsed.tag ? `${parsed.repository}:${parsed.tag}` : undefined };
    } else {
      const name = `${parsed.repository}:${parsed.tag ?? 'latest'}`;
      const image = images.find((i) => i.names.includes(name));
      if (image) return { image, name };
    }
  }
  // An ID prefix, with or without "sha256:", must match exactly one image.
  const prefix = ref.startsWith('sha256:') ? ref.slice(7) : ref;
  if (looksLikeIdPrefix(prefix)) {
    const matches = images.filter((i) => i.id.slice(7).startsWith(prefix));
    if (matches.length === 1) return { image: matches[0] as ImageRecord };
  }
  return undefined;
}
