// The archive of one path, as `cp` and the Docker API's container archive carry it: a file is one
// entry, a directory is its own entry followed by everything under it, and the top entry takes
// whatever name the copy needs (Docker's TarResourceRebase / RebaseArchiveEntries).
import type { Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { invalidArgument } from '../errdefs/index.ts';
import { diffDirectory } from './diff.ts';
import { TarParser, type TarHeader } from './tar-reader.ts';
import { encodeHeader, padding, TAR_END } from './tar-writer.ts';

/**
 * A tar of `path` (not followed if it is a symlink), its top entry named `name` ("." and "/"
 * included). `exclude` leaves out entries below the top (given their path relative to `path`).
 */
export function tarPath(path: string, name: string, opts: { exclude?: (rel: string, isDirectory: boolean) => boolean; sourceDateEpoch?: number } = {}): Readable {
  const full = resolve(path); // "dir/." and "dir/" are the directory itself
  const base = basename(full);
  if (base === '') throw invalidArgument('cannot archive the root of the host filesystem');
  const { exclude } = opts;
  // Walking the parent with everything but `base` left out gives the top entry its own header.
  const skip = (rel: string, st: Stats): boolean => {
    if (rel === base) return false;
    if (!rel.startsWith(`${base}/`)) return true;
    return exclude !== undefined && exclude(rel.slice(base.length + 1), st.isDirectory());
  };
  const tar = diffDirectory(dirname(full), { from: 'plain', skip, sourceDateEpoch: opts.sourceDateEpoch });
  return name === base ? tar : Readable.from(rebaseTar(tar, base, name), { objectMode: false });
}

/**
 * Renames `from` (and every entry under it, hard link targets included) to `to`. Other entries
 * pass unchanged; entries of unknown types are dropped, as extraction would skip them anyway.
 */
export async function* rebaseTar(input: AsyncIterable<Buffer | Uint8Array>, from: string, to: string): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  let keep = false;
  let size = 0;
  const parser = new TarParser({
    entry(h: TarHeader) {
      keep = h.type !== 'other';
      if (!keep) return;
      const headerOnly = h.type !== 'file';
      size = headerOnly ? 0 : h.size;
      out.push(encodeHeader({
        ...h,
        name: renamed(h.name, from, to),
        linkname: h.type === 'link' ? renamed(h.linkname, from, to) : h.linkname,
        size,
        mtime: Math.floor(h.mtime),
      }));
    },
    data(chunk: Buffer) {
      if (keep) out.push(chunk);
    },
    end() {
      if (keep && padding(size) > 0) out.push(Buffer.alloc(padding(size)));
      keep = false;
    },
  });
  for await (const chunk of input) {
    parser.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    if (out.length > 0) yield Buffer.concat(out.splice(0));
  }
  parser.finish();
  yield TAR_END;
}

/** `name` with a leading `from` component replaced by `to`; "/" as `to` gives absolute names, as Docker's do. */
function renamed(name: string, from: string, to: string): string {
  const bare = name.replace(/\/+$/, '');
  if (bare !== from && !bare.startsWith(`${from}/`)) return name;
  const rest = bare.slice(from.length); // "" or "/…"
  if (rest === '') return to;
  return to.endsWith('/') ? `${to}${rest.slice(1)}` : `${to}${rest}`;
}
