// Path patterns for the builder: `.dockerignore` (and COPY --exclude) with moby/patternmatcher's
// rules, and COPY/ADD source wildcards with Go's filepath.Match rules.
//
// .dockerignore, as BuildKit reads it (moby/patternmatcher/ignorefile):
//   - a line starting with `#` (before any trimming) is a comment; blank lines are skipped;
//   - each line is trimmed; a leading `!` makes an exception (re-includes), trimmed again after it;
//   - the pattern is cleaned like Go's filepath.Clean (`a/./b/../c/` → `a/c`) and a leading `/`
//     is dropped (`/foo` is `foo`, relative to the context);
//   - `*` matches within one path element, `?` one character other than `/`, `[...]` a class,
//     `\` escapes; `**` matches any number of elements (`**/x`, `a/**/b`, `a/**`);
//   - the last pattern that matches a path decides: a plain one excludes, an exception includes;
//   - a pattern matching a parent directory counts as matching the path (`a` excludes `a/b/c`,
//     `!a` re-includes it).
import { invalidArgument } from '../errdefs/index.ts';

/** One `.dockerignore` line: the cleaned pattern and whether it was an exception (`!…`). */
export interface IgnorePattern {
  pattern: string;
  exclusion: boolean;
}

/** Reads a `.dockerignore` file's text into patterns, in order (ignorefile.ReadAll). */
export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.startsWith('#')) continue;
    let pattern = trimSpace(line);
    if (pattern === '') continue;
    const exclusion = pattern.startsWith('!');
    if (exclusion) pattern = trimSpace(pattern.slice(1));
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push({ pattern, exclusion });
  }
  return out;
}

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

interface CompiledPattern {
  /** The cleaned pattern, without the `!`. */
  pattern: string;
  exclusion: boolean;
  type: MatchType;
  regexp: RegExp | undefined;
}

/**
 * Decides which context paths are excluded (patternmatcher.MatchesOrParentMatches). Takes the
 * patterns of parseDockerignore, or pattern strings as written (`!` for exceptions), as COPY
 * --exclude gives them. Throws InvalidArgument for a malformed pattern or a bare `!`.
 */
export class IgnoreMatcher {
  private readonly patterns: CompiledPattern[] = [];

  constructor(patterns: readonly (IgnorePattern | string)[]) {
    for (const entry of patterns) {
      let p = trimSpace(typeof entry === 'string' ? entry : (entry.exclusion ? '!' : '') + entry.pattern);
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw invalidArgument('illegal exclusion pattern: "!"', p);
        exclusion = true;
        p = p.slice(1);
      }
      validatePattern(p);
      this.patterns.push({ pattern: p, exclusion, ...compile(p) });
    }
  }

  /** True when there are no patterns at all (nothing is ever excluded). */
  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** True when some pattern is an exception (`!…`). */
  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** Whether `relPath` (slash-separated, relative to the context) is excluded. The context root never is. */
  matches(relPath: string): boolean {
    const file = normalizeRelPath(relPath);
    if (file === '.') return false;
    const slash = file.lastIndexOf('/');
    const parentDirs = slash < 0 ? [] : file.slice(0, slash).split('/');
    let matched = false;
    for (const p of this.patterns) {
      // Only a pattern that can change the answer is looked at (an exception once excluded, a
      // plain pattern while included): the last matching pattern decides.
      if (p.exclusion !== matched) continue;
      let match = matchOne(p, file);
      for (let i = 0; !match && i < parentDirs.length; i++) {
        match = matchOne(p, parentDirs.slice(0, i + 1).join('/'));
      }
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * For a directory that `matches` excluded: whether something inside it could still be
   * re-included by an exception, so a context walker must descend into it. False means every path
   * inside is excluded too and the directory can be skipped whole. Errs on the side of true.
   */
  mayContainExceptions(dirRelPath: string): boolean {
    const dir = normalizeRelPath(dirRelPath);
    const exceptions = this.patterns.filter((p) => p.exclusion);
    if (dir === '.') return exceptions.length > 0;
    const dirParts = dir.split('/');
    // Anything inside is excluded by a pattern matching the directory or above, and it stays
    // excluded unless an exception matches a path strictly inside the directory.
    return exceptions.some((p) => mayMatchInside(p, dirParts));
  }
}

/** Whether exception `p` could match some path `dir/x` (x not empty). */
function mayMatchInside(p: CompiledPattern, dirParts: string[]): boolean {
  const dirSlash = `${dirParts.join('/')}/`;
  if (p.type === 'prefix') {
    const prefix = p.pattern.slice(0, -2);
    return prefix.startsWith(dirSlash) || dirSlash.startsWith(prefix);
  }
  if (p.type === 'suffix') return true; // `**…` can end any path
  const parts = p.pattern.split('/');
  for (let i = 0; i < dirParts.length; i++) {
    const part = parts[i];
    if (part === undefined) return false; // the pattern has fewer elements than the directory
    // `**` spans elements; a class can match `/`; escapes make splitting on `/` unreliable.
    if (part.includes('**') || part.includes('[') || part.includes('\\')) return true;
    const compiled = compile(part);
    if (!matchOne({ pattern: part, exclusion: true, ...compiled }, dirParts[i] as string)) return false;
  }
  return parts.length > dirParts.length;
}

function normalizeRelPath(p: string): string {
  let clean = cleanPath(p);
  while (clean.startsWith('/')) clean = clean.slice(1);
  return clean === '' ? '.' : clean;
}

function matchOne(p: CompiledPattern, path: string): boolean {
  switch (p.type) {
    case 'exact':
      return path === p.pattern;
    case 'prefix':
      return path.startsWith(p.pattern.slice(0, -2)); // the pattern less its trailing `**`
    case 'suffix': {
      const suffix = p.pattern.slice(2); // the pattern less its leading `**`
      if (path.endsWith(suffix)) return true;
      return suffix.startsWith('/') && path === suffix.slice(1); // `**/foo` matches `foo`
    }
    case 'regexp':
      return (p.regexp as RegExp).test(path);
  }
}

/**
 * Compiles a cleaned pattern as patternmatcher does: a pattern without wildcards compares
 * exactly, `lit**` by prefix, `**lit` by suffix, anything else by a regular expression anchored at
 * both ends. (Go's `.` does not match a newline; neither does ours.)
 */
function compile(pattern: string): { type: MatchType; regexp: RegExp | undefined } {
  const cs = Array.from(pattern);
  let re = '^';
  let type: MatchType = 'exact';
  let i = 0;
  for (let iteration = 0; i < cs.length; iteration++) {
    const ch = cs[i++] as string;
    if (ch === '*') {
      if (cs[i] === '*') {
        i++;
        if (cs[i] === '/') i++; // `**/` is `**`
        if (i >= cs.length) {
          // a trailing `**` accepts everything, as in .gitignore
          if (type === 'exact') type = 'prefix';
          else {
            re += '[^\\n]*';
            type = 'regexp';
          }
        } else {
          re += '(?:[^\\n]*/)?'; // any number of elements, even none
          type = 'regexp';
        }
        if (iteration === 0) type = 'suffix';
      } else {
        re += '[^/]*';
        type = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      type = 'regexp';
    } else if ('.+()|{}$'.includes(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (i < cs.length) {
        re += regexpEscape(cs[i++] as string);
        type = 'regexp';
      } else {
        re += '\\\\';
      }
    } else if (ch === '[') {
      const cls = characterClass(cs, i);
      re += cls.source;
      i = cls.end;
      type = 'regexp';
    } else if (ch === ']') {
      re += '\\]';
      type = 'regexp';
    } else {
      re += ch; // as patternmatcher: other characters go to the expression as they are (`^` included)
    }
  }
  if (type !== 'regexp') return { type, regexp: undefined };
  try {
    return { type, regexp: new RegExp(`${re}$`, 'u') };
  } catch {
    throw invalidArgument(`syntax error in pattern ${JSON.stringify(pattern)}`, pattern);
  }
}

/** `\x` in a pattern, with the meaning Go's regexp gives it. */
function regexpEscape(ch: string): string {
  if (!/^[A-Za-z0-9]$/.test(ch)) return literal(ch);
  const perl: Record<string, string> = {
    d: '[0-9]', D: '[^0-9]', s: '[\\t\\n\\f\\r ]', S: '[^\\t\\n\\f\\r ]', w: '[0-9A-Za-z_]', W: '[^0-9A-Za-z_]',
    a: '\\x07', f: '\\f', t: '\\t', n: '\\n', r: '\\r', v: '\\v', b: '\\b', B: '\\B', A: '^', z: '$',
  };
  const mapped = perl[ch];
  // Go's regexp would read `\x41`, `\pL`, `\Q…`, octal; nobody writes those in a .dockerignore.
  if (mapped === undefined) throw invalidArgument(`syntax error in pattern: unsupported escape \\${ch}`);
  return mapped;
}

/** One character, literally, in a `u`-mode regular expression. */
function literal(ch: string): string {
  return /^[\p{L}\p{N}_]$/u.test(ch) ? ch : `\\u{${(ch.codePointAt(0) as number).toString(16)}}`;
}

/** A filepath.Match character class starting after `[` at `cs[start]`, as a JS class. */
function characterClass(cs: string[], start: number): { source: string; end: number } {
  let i = start;
  let source = '[';
  if (cs[i] === '^') {
    source += '^';
    i++;
  }
  const member = (): string => {
    let ch = cs[i];
    if (ch === '\\') ch = cs[++i];
    if (ch === undefined) throw invalidArgument('syntax error in pattern');
    i++;
    return literal(ch);
  };
  let ranges = 0;
  for (;;) {
    if (i >= cs.length) throw invalidArgument('syntax error in pattern');
    if (cs[i] === ']' && ranges > 0) {
      i++;
      break;
    }
    const lo = member();
    if (cs[i] === '-') {
      i++;
      source += `${lo}-${member()}`;
    } else {
      source += lo;
    }
    ranges++;
  }
  return { source: `${source}]`, end: i };
}

/** Throws unless Go's filepath.Match would accept `pattern` (patternmatcher.New checks the same way). */
function validatePattern(pattern: string): void {
  try {
    globMatch(pattern, '.');
  } catch {
    throw invalidArgument(`syntax error in pattern ${JSON.stringify(pattern)}`, pattern);
  }
}

/** Whether a COPY/ADD source has wildcards: `*`, `?` or `[` not escaped by a backslash (fsutil). */
export function hasGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

const BAD_PATTERN = 'syntax error in pattern';

/**
 * Go's path/filepath.Match on Linux: `*` any run of non-`/` characters, `?` one non-`/`
 * character, `[abc]` `[a-z]` `[^a-z]` a class (`^` negates; `!` is an ordinary character, and a
 * class can match `/`), `\x` the character x. The whole name must match. Throws InvalidArgument
 * for a malformed pattern.
 */
export function globMatch(pattern: string, name: string): boolean {
  let pat = pattern;
  let s = name;
  patternLoop: while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk === '') return !s.includes('/'); // a trailing `*` matches the rest without a `/`
    // Match at the current position; the last chunk must use up the name.
    const here = matchChunk(chunk, s);
    if (here !== null && (here === '' || pat.length > 0)) {
      s = here;
      continue;
    }
    if (star) {
      // Let the star eat one more character at a time, never a `/`.
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        const t = matchChunk(chunk, s.slice(i + 1));
        if (t !== null) {
          if (pat.length === 0 && t.length > 0) continue;
          s = t;
          continue patternLoop;
        }
      }
    }
    // No match: still report a malformed remainder, as Go does.
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.rest;
      matchChunk(next.chunk, '');
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(pattern: string): { star: boolean; chunk: string; rest: string } {
  let star = false;
  let p = pattern;
  while (p.startsWith('*')) {
    p = p.slice(1);
    star = true;
  }
  let inRange = false;
  let i = 0;
  scan: for (; i < p.length; i++) {
    switch (p[i]) {
      case '\\':
        if (i + 1 < p.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
        break;
    }
  }
  return { star, chunk: p.slice(0, i), rest: p.slice(i) };
}

/** Matches `chunk` (no stars) at the start of `s`: the rest of `s`, or null. Throws on a malformed chunk. */
function matchChunk(chunkIn: string, sIn: string): string | null {
  let chunk = chunkIn;
  let s = sIn;
  // After a failure the chunk is still read through, to report a malformed pattern.
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      let r = -1;
      if (!failed) {
        r = s.codePointAt(0) as number;
        s = s.slice(r > 0xffff ? 2 : 1);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk.startsWith('^')) {
        negated = true;
        chunk = chunk.slice(1);
      }
      let match = false;
      let ranges = 0;
      for (;;) {
        if (chunk.startsWith(']') && ranges > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = getEsc(chunk);
        chunk = lo.rest;
        let hi = lo.ch;
        if (chunk.startsWith('-')) {
          const h = getEsc(chunk.slice(1));
          chunk = h.rest;
          hi = h.ch;
        }
        if (lo.ch <= r && r <= hi) match = true;
        ranges++;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === '/') failed = true;
        const cp = s.codePointAt(0) as number;
        s = s.slice(cp > 0xffff ? 2 : 1);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) throw invalidArgument(BAD_PATTERN);
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  return failed ? null : s;
}

/** One possibly escaped character of a class; a class may not end here. */
function getEsc(chunkIn: string): { ch: number; rest: string } {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw invalidArgument(BAD_PATTERN);
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw invalidArgument(BAD_PATTERN);
  }
  const ch = chunk.codePointAt(0) as number;
  const rest = chunk.slice(ch > 0xffff ? 2 : 1);
  if (rest.length === 0) throw invalidArgument(BAD_PATTERN);
  return { ch, rest };
}

/** Go's filepath.Clean for slash-separated paths: no `.` elements, `..` resolved, no repeated or trailing `/`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = (rooted ? '/' : '') + out.join('/');
  return joined === '' ? '.' : joined;
}

/** Go's strings.TrimSpace (Unicode White_Space; unlike String.trim, not U+FEFF). */
function trimSpace(s: string): string {
  return s.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
}
