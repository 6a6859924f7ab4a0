// Putting an image name and the API's separate `tag` parameter together, as dockerd does (a tag
// that is a digest makes NAME@DIGEST; a given tag replaces one the name already has).

/** The name without its tag (a registry's port is not a tag: the colon must follow the last slash). */
export function withoutTag(name: string): string {
  const at = name.indexOf('@');
  if (at !== -1) return name.slice(0, at);
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** True when the name carries a tag or a digest. */
export function hasTagOrDigest(name: string): boolean {
  return withoutTag(name) !== name;
}

/** NAME with `tag` (or `@digest`), or NAME as it is when `tag` is empty. */
export function withTag(name: string, tag: string): string {
  if (tag === '') return name;
  return tag.startsWith('sha256:') ? `${withoutTag(name)}@${tag}` : `${withoutTag(name)}:${tag}`;
}
