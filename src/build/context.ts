// The build context: a directory whose files COPY and ADD may read, less what .dockerignore
// excludes. Sources are found here (globs included), and hashed by content for the cache: a file
// touched but unchanged keeps its key, a changed byte changes it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, posix, relative } from 'node:path';
import { invalidArgument, notFound } from '../errdefs/index.ts';
import { globMatch, hasGlob, IgnoreMatcher, parseDockerignore } from './patterns.ts';

/** A source of a COPY or ADD: where it is on the host, and its path in the context. */
export interface Source {
  /** Host path; for a symlink named as a source, where it leads (inside the context). */
  path: string;
  /** Path relative to the context root, '' for the root itself. */
  rel: string;
  isDirectory: boolean;
}

/**
 * Remembered file digests, so a rebuild does not read every byte again: a digest is reused only
 * while the file's inode, size, mtime and ctime are all unchanged (a write always moves ctime).
 */
export interface FileDigests {
  get(path: string, st: Stats): string | undefined;
  set(path: string, st: Stats, digest: string): void;
}

export class BuildContext {
  readonly dir: string;
  private readonly ignore: IgnoreMatcher;
  private readonly digests: FileDigests | undefined;

  private constructor(dir: string, ignore: IgnoreMatcher, digests: FileDigests | undefined) {
    this.dir = dir;
    this.ignore = ignore;
    this.digests = digests;
  }

  /** The context at `dir`, with its .dockerignore (or `ignoreFile`, BuildKit's Dockerfile.dockerignore) applied. */
  static open(dir: string, ignoreFile?: string, digests?: FileDigests): BuildContext {
    let st: Stats;
    try {
      st = statSync(dir);
    } catch {
      throw invalidArgument(`unable to prepare context: path "${dir}" not found`);
    }
    if (!st.isDirectory()) throw invalidArgument(`unable to prepare context: context must be a directory: ${dir}`);
    let text = '';
    // existsSync first: a thrown ENOENT costs more than the check (start-up time counts here).
    const found = [ignoreFile, join(dir, '.dockerignore')].find((f) => f !== undefined && existsSync(f));
    if (found) text = readFileSync(found, 'utf8');
    return new BuildContext(realpathSync(dir), new IgnoreMatcher(parseDockerignore(text)), digests);
  }

  /** True when .dockerignore leaves this context path out. */
  excluded(rel: string): boolean {
    return rel !== '' && !this.ignore.empty && this.ignore.matches(rel);
  }

  /** True when a walk may leave this entry out: excluded, and (for a directory) no exception can bring back anything inside it. */
  skipped(rel: string, isDirectory: boolean): boolean {
    return this.excluded(rel) && !(isDirectory && this.ignore.mayContainExceptions(rel));
  }

  /** The sources a COPY/ADD argument names (a path or a glob), relative to the context root. */
  resolve(source: string): Source[] {
    const rel = posix.normalize(`/${source}`).slice(1).replace(/\/$/, '');
    if (!hasGlob(rel)) {
      const found = this.lookup(rel);
      if (!found) throw notFound(`failed to compute cache key: "/${rel}": not found (not in the build context, or excluded by .dockerignore)`, source);
      return [found];
    }
    const matched: Source[] = [];
    const walk = (dirRel: string): void => {
      for (const name of readdirSync(join(this.dir, dirRel)).sort()) {
        const childRel = dirRel ? `${dirRel}/${name}` : name;
        if (this.skipped(childRel, lstatSync(join(this.dir, childRel)).isDirectory())) continue;
        if (globMatch(rel, childRel)) {
          const found = this.lookup(childRel);
          if (found) matched.push(found);
        } else if (lstatSync(join(this.dir, childRel)).isDirectory() && childRel.split('/').length < rel.split('/').length) {
          walk(childRel);
        }
      }
    };
    walk('');
    if (matched.length === 0) throw notFound(`failed to compute cache key: no files match "${source}" in the build context (or .dockerignore excludes them)`, source);
    return matched;
  }

  private lookup(rel: string): Source | undefined {
    if (this.excluded(rel)) return undefined;
    const path = join(this.dir, rel);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      return undefined;
    }
    // Symlinks on the way (a parent directory, or the source itself) are followed, but only within
    // the context: a link to the host's files must not bring them into an image.
    let target: string;
    try {
      target = realpathSync(path);
    } catch {
      return undefined;
    }
    const inside = relative(realpathSync(this.dir), target);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      const link = st.isSymbolicLink() ? ` (${readlinkSync(path)})` : ' through a symlinked directory';
      throw invalidArgument(`COPY source ${rel} leads out of the build context${link}`, rel);
    }
    if (!st.isSymbolicLink() && target === path) return { path, rel, isDirectory: st.isDirectory() };
    return { path: target, rel, isDirectory: statSync(target).isDirectory() };
  }

  private async fileDigest(path: string, st: Stats): Promise<string> {
    const known = this.digests?.get(path, st);
    if (known) return known;
    const h = createHash('sha256');
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
    const digest = `sha256:${h.digest('hex')}`;
    this.digests?.set(path, st, digest);
    return digest;
  }

  /** A digest of what copying `src` would copy: names, types, modes, link targets and file contents (not times). */
  async checksum(src: Source): Promise<string> {
    const h = createHash('sha256');
    const entry = async (path: string, rel: string, st: Stats): Promise<void> => {
      h.update(`${rel}\0${st.mode.toString(8)}\0`); // not the owner: a context copy is owned by root or --chown
      if (st.isSymbolicLink()) h.update(`->${readlinkSync(path)}\0`);
      else if (st.isFile()) h.update(`${await this.fileDigest(path, st)}\0`);
    };
    const top = statSync(src.path);
    await entry(src.path, '', top);
    if (src.isDirectory) {
      const walk = async (dirRel: string): Promise<void> => {
        for (const name of readdirSync(join(src.path, dirRel)).sort()) {
          const childRel = dirRel ? `${dirRel}/${name}` : name;
          const path = join(src.path, childRel);
          const st = lstatSync(path);
          if (this.skipped(src.rel ? `${src.rel}/${childRel}` : childRel, st.isDirectory())) continue;
          await entry(path, childRel, st);
          if (st.isDirectory()) await walk(childRel);
        }
      };
      await walk('');
    }
    return `sha256:${h.digest('hex')}`;
  }
}
