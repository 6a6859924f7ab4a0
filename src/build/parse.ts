// The Dockerfile parser: text → `Node`s, following BuildKit's parser (frontend/dockerfile/parser).
//
// What it does, in order, line by line:
//  - a UTF-8 byte-order mark at the start is skipped; lines end with LF or CRLF;
//  - parser directives (`# syntax=…`, `# escape=…`, `# check=…`, names case-insensitive) are read only
//    while every line so far was one: the first line that is not (a comment, a blank line, an
//    instruction, an unknown `# name=value`) ends them, and a later `# escape=` is a plain comment;
//    the same directive twice is an error;
//  - comment lines (`#` after optional whitespace) are dropped, also inside a continuation;
//  - a line ending with the escape character (then optional spaces or tabs) continues on the next
//    line; the escape and the whitespace after it are removed and the lines joined as they are (the
//    continuation lines keep their indentation), which gives `Node.original`; an empty line inside a
//    continuation is skipped with a warning (BuildKit's "Empty continuation line found in: …");
//  - the first word is the keyword (case-insensitive, stored upper-case); an unknown one is an error;
//  - FROM, RUN, COPY, ADD and HEALTHCHECK have their leading `--name[=value]` words collected into
//    `flags` (quotes removed and backslash escapes resolved, as BuildKit does; a bare `--` ends them);
//  - RUN, COPY and ADD (and ONBUILD with one of these as its trigger) not in JSON form collect
//    here-documents: every word `<<NAME`, `<<-NAME`, `<<'NAME'`, `<<"NAME"` of the line opens one, and
//    their bodies follow the instruction, one after the other, each up to a line that is exactly its
//    name (after leading tabs for `<<-`).
//
// Errors are BerthErrors of kind InvalidArgument, always in one format:
//
//     dockerfile parse error on line <N> of <file>: <KEYWORD>: <what is wrong>
//     dockerfile parse error on line <N> of <file>: <what is wrong>          (not about one instruction)
//
// where <N> is the 1-based first line of the instruction (or the line of the directive), <file> the
// name given to parseDockerfile, and <KEYWORD> the upper-case instruction. The wording after it follows
// BuildKit's where BuildKit has one (`unknown instruction: FOO (did you mean FROM?)`, `COPY: requires at
// least two arguments, …`). `parseError` builds them; commands.ts uses it too.

import { invalidArgument, type BerthError } from '../errdefs/index.ts';
import type { Heredoc, Location, Node, ParsedDockerfile } from './syntax.ts';

/** Every instruction BuildKit knows, upper-case. */
export const INSTRUCTIONS: readonly string[] = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER',
  'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
];

/** The instructions whose leading `--flags` are collected into `Node.flags`. */
const FLAG_INSTRUCTIONS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);
/** The instructions that can carry here-documents. */
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const DIRECTIVES = new Set(['syntax', 'escape', 'check']);

/** The error for something wrong at `line` of `file`, in the one format described at the top. */
export function parseError(file: string, line: number, message: string): BerthError {
  return invalidArgument(`dockerfile parse error on line ${line} of ${file}: ${message}`, file);
}

/** The error for something wrong with one instruction: `… on line N of FILE: KEYWORD: message`. */
export function instructionError(node: Pick<Node, 'keyword' | 'location'>, message: string): BerthError {
  return parseError(node.location.file, node.location.startLine, `${node.keyword}: ${message}`);
}

// Go's unicode.IsSpace (what BuildKit trims with): JavaScript's \s differs (it has U+FEFF, lacks U+0085).
const LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const TRAILING_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;
const SPACE_CHAR = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

export const trimLeft = (s: string): string => s.replace(LEADING_SPACE, '');
export const trimSpace = (s: string): string => s.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '');
export const isSpace = (ch: string): boolean => SPACE_CHAR.test(ch);
/** BuildKit's word separator for whitespace-split arguments (FROM, EXPOSE, COPY, …). */
export const WHITESPACE = /[\t\v\f\r ]+/;

// Go regexp's \s is [\t\n\f\r ].
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/;

export function parseDockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  let escape: '\\' | '`' = '\\';
  const directives: Record<string, string> = {};
  let directivesDone = false;
  const nodes: Node[] = [];
  const warnings: string[] = [];
  let next = 0; // index of the next unread line; its 1-based number is next + 1

  /** The next line without its line ending (every trailing CR, as BuildKit's trimNewline). */
  const read = (): string => (lines[next++] as string).replace(/\r+$/, '');

  /** Reads `line` (number `n`) as a possible parser directive, while directives are still allowed. */
  const directive = (line: string, n: number): void => {
    if (directivesDone) return;
    const m = DIRECTIVE.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (m === null || name === undefined || !DIRECTIVES.has(name)) {
      directivesDone = true;
      return;
    }
    const value = m[2] as string;
    if (name in directives) throw parseError(file, n, `only one ${name} parser directive can be used`);
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') throw parseError(file, n, `invalid escape token '${value}' does not match \` or \\`);
      escape = value;
    }
    directives[name] = value;
  };

  while (next < lines.length) {
    const first = trimLeft(read());
    const startLine = next;
    directive(first, startLine);
    let [line, ended] = isComment(first) ? ['', true] : trimContinuation(first, escape);
    if (ended && line === '') continue;

    let emptyContinuation = false;
    while (!ended && next < lines.length) {
      const raw = read();
      directive(raw, next);
      if (isComment(raw)) continue;
      if (trimLeft(raw) === '') {
        emptyContinuation = true;
        continue;
      }
      let part: string;
      [part, ended] = trimContinuation(raw, escape);
      line += part;
    }
    if (emptyContinuation) {
      warnings.push(`${file}:${startLine}: Empty continuation line found in: ${line} (empty continuation lines will become errors in a future release)`);
    }

    if (trimSpace(line) === '') continue; // only escapes and blank continuation lines
    const node = nodeFromLine(line, file, startLine);
    if (line.includes('<<') && canContainHeredoc(node)) {
      for (const doc of heredocsOf(line)) {
        let content = '';
        let closed = false;
        while (next < lines.length) {
          const raw = read();
          const body = doc.stripTabs ? raw.replace(/^\t+/, '') : raw;
          if (body === doc.name) {
            closed = true;
            break;
          }
          content += `${body}\n`;
        }
        if (!closed) {
          throw instructionError(node, `unterminated heredoc <<${doc.stripTabs ? '-' : ''}${doc.name}: no line "${doc.name}" closes it before the end of the file`);
        }
        node.heredocs.push({ ...doc, content });
      }
    }
    node.location.endLine = next;
    nodes.push(node);
  }

  if (nodes.length === 0) throw parseError(file, Math.max(1, next), 'file with no instructions');
  return { escape, directives, nodes, warnings };
}

function isComment(line: string): boolean {
  return trimLeft(line).startsWith('#');
}

/**
 * `[line, true]` when `line` does not continue; else the line without the escape character at its end
 * (and the spaces or tabs after it) and false. An escaped escape (`\\`) at the end does not continue.
 */
function trimContinuation(line: string, escape: string): [string, boolean] {
  const end = line.replace(/[ \t]+$/, '').length;
  if (end > 0 && line[end - 1] === escape && (end === 1 || line[end - 2] !== escape)) return [line.slice(0, end - 1), false];
  return [line, true];
}

/** One joined instruction line → a Node (without heredocs yet; endLine set by the caller). */
function nodeFromLine(line: string, file: string, startLine: number): Node {
  const trimmed = trimSpace(line);
  const m = WHITESPACE.exec(trimmed);
  const word = m === null ? trimmed : trimmed.slice(0, m.index);
  const args = m === null ? '' : trimmed.slice(m.index + m[0].length);
  const keyword = word.toUpperCase();
  if (!INSTRUCTIONS.includes(keyword)) {
    const close = suggestion(keyword, INSTRUCTIONS);
    throw parseError(file, startLine, `unknown instruction: ${keyword}${close === undefined ? '' : ` (did you mean ${close}?)`}`);
  }
  const { flags, rest } = FLAG_INSTRUCTIONS.has(keyword) ? extractFlags(args) : { flags: [], rest: args };
  return { keyword, original: line, flags, rest: trimSpace(rest), heredocs: [], location: { file, startLine, endLine: startLine } satisfies Location };
}

/**
 * The leading `--name[=value]` words of `s` (quotes removed, backslash escapes resolved, as BuildKit's
 * extractBuilderFlags) and the text after them. A word `--` ends the flags and is dropped.
 */
export function extractFlags(s: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos] as string)) pos++;
    if (!s.startsWith('--', pos)) return { flags, rest: s.slice(pos) };
    let word = '';
    let quote = '';
    let quoted = false;
    while (pos < s.length) {
      const ch = s[pos] as string;
      if (quote === '' && isSpace(ch)) break;
      pos++;
      if (ch === quote) {
        quote = '';
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
        quoted = true;
      } else if (ch === '\\') {
        if (pos < s.length) word += s[pos++];
      } else {
        word += ch;
      }
    }
    if (word === '--') return { flags, rest: s.slice(pos) };
    if (word !== '' || quoted) flags.push(word);
  }
}

/** Whether `s` is a JSON array; `strings` tells whether all its elements are strings. */
export function jsonArray(s: string): { values: unknown[]; strings: boolean } | undefined {
  const t = trimLeft(s);
  if (!t.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  return { values: value, strings: value.every((v) => typeof v === 'string') };
}

/** Whether the node's text can open here-documents (RUN/COPY/ADD not in JSON form, also as an ONBUILD trigger). */
function canContainHeredoc(node: Node): boolean {
  let keyword = node.keyword;
  let rest = node.rest;
  if (keyword === 'ONBUILD') {
    const m = WHITESPACE.exec(rest);
    keyword = (m === null ? rest : rest.slice(0, m.index)).toUpperCase();
    rest = m === null ? '' : extractFlags(rest.slice(m.index + m[0].length)).rest;
  }
  return HEREDOC_INSTRUCTIONS.has(keyword) && jsonArray(rest) === undefined;
}

type HeredocStart = Omit<Heredoc, 'content'>;

/** The here-documents a line opens, in order. A line with an unterminated quote opens none (as in BuildKit). */
function heredocsOf(line: string): HeredocStart[] {
  const words = rawShellWords(line);
  if (words === undefined) return [];
  return words.map(heredocWord).filter((h) => h !== undefined);
}

/**
 * The here-document a word opens (`<<EOF`, `<<-EOF`, `<<'EOF'`, `<<"EOF"`, optionally after a file
 * descriptor number as in `3<<EOF`), or undefined. Quoting any part of the name turns expansion off.
 */
export function heredocWord(word: string): HeredocStart | undefined {
  const m = /^(\d*)<<(-?)([^<]*)$/.exec(word);
  if (m === null || m[3] === '') return undefined;
  const name = shellUnquote(m[3] as string);
  if (name === undefined || name.value === '') return undefined;
  return { name: name.value, expand: !name.quoted, stripTabs: m[2] === '-' };
}

/**
 * Splits a line into shell words the way BuildKit looks for heredocs: on unquoted whitespace, with the
 * quotes and backslashes kept in the words. Undefined when a quote is not closed.
 */
function rawShellWords(line: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (isSpace(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
      continue;
    }
    let end = i + 1;
    if (ch === "'") {
      end = line.indexOf("'", i + 1) + 1;
      if (end === 0) return undefined;
    } else if (ch === '"') {
      while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (end >= line.length) return undefined;
      end++;
    } else if (ch === '\\') {
      end = Math.min(line.length, i + 2);
    }
    word = (word ?? '') + line.slice(i, end);
    i = end;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Removes shell quoting from one word; `quoted` tells whether any quotes were removed. */
function shellUnquote(s: string): { value: string; quoted: boolean } | undefined {
  let value = '';
  let quoted = false;
  let i = 0;
  while (i < s.length) {
    const ch = s[i] as string;
    if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return undefined;
      value += s.slice(i + 1, end);
      quoted = true;
      i = end + 1;
    } else if (ch === '"') {
      quoted = true;
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1] as string)) i++;
        value += s[i];
        i++;
      }
      if (i >= s.length) return undefined;
      i++;
    } else if (ch === '\\') {
      if (i + 1 < s.length) value += s[i + 1];
      i += 2;
    } else if (isSpace(ch)) {
      return undefined; // more than one word
    } else {
      value += ch;
      i++;
    }
  }
  return { value, quoted };
}

/**
 * The option closest to `value` (case-insensitive optimal-string-alignment distance), when it is close
 * enough to be a likely typo: at most half the length of `value` (at least 1) edits away.
 */
export function suggestion(value: string, options: readonly string[]): string | undefined {
  const v = value.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(v.length / 2)) + 1;
  for (const option of options) {
    const d = editDistance(v, option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
