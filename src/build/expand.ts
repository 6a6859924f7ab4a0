// Variable substitution in Dockerfile instructions, as BuildKit's shell lexer does it
// (frontend/dockerfile/shell): `$VAR`, `${VAR}`, the `${VAR<modifier>word}` forms, quote removal,
// the escape character, and splitting into words. Not a shell: no command substitution, no
// arithmetic, no globbing; RUN/CMD/ENTRYPOINT text is left to the shell in the container.
//
// The rules, as BuildKit applies them:
//   - Outside quotes the escape character (`\`, or `` ` `` with `# escape=`` ` ``) makes the next
//     character literal and is removed; a trailing escape is dropped. Any other backslash is literal.
//   - 'single quotes' keep everything literally (no escapes, no `$`).
//   - "double quotes" expand `$`; the escape character escapes only `"`, `$` and itself, and is
//     kept literally before anything else (including a newline).
//   - `$name` takes the longest run of letters, digits and `_`; a name starting with a digit takes
//     only the digits (`$1x` is `$1` then `x`); `$@ $* $# $? $- $$ $! $0` are one-character names.
//     None of those is ever set, so they expand to ''. `$` before anything else stays `$`.
//   - The word of `${VAR:-word}` and friends is itself expanded, and its quotes removed.
//   - In `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`, the escape character is kept in the
//     pattern (`\*` is a literal star there); patterns know `*` and `?` only, no `[...]`.
//   - Splitting (expandWords) happens on whitespace that came from outside quotes, including
//     whitespace inside a variable's value; quoted text and escaped characters never split.
import { invalidArgument } from '../errdefs/index.ts';

export type ExpandEnv = ReadonlyMap<string, string> | Readonly<Record<string, string>>;
export type EscapeChar = '\\' | '`';

/** The lexer switches BuildKit uses in a few places (all off for ordinary instructions). */
export interface ExpandOptions {
  /** Leave `$VAR`/`${VAR…}` whose variable is unset as written instead of expanding to ''. */
  skipUnsetEnv?: boolean;
  /** Keep the quote characters in the result (they still group words). */
  rawQuotes?: boolean;
  /** Keep escape characters in the result. */
  rawEscapes?: boolean;
  /** Treat quotes as ordinary characters (only `$` and escapes are special). */
  skipProcessQuotes?: boolean;
}

export interface ExpandResult {
  /** The expanded word, quotes removed, whitespace kept. */
  result: string;
  /** The same, split on unquoted whitespace (BuildKit's ProcessWords). */
  words: string[];
  /** Variables referenced that were set, in order of first reference. */
  matched: string[];
  /** Variables referenced that were not set, in order of first reference. */
  unmatched: string[];
}

/** Expands one word (BuildKit's ProcessWord): the result has quotes removed and keeps its spaces. */
export function expandWord(word: string, env: ExpandEnv, escape: EscapeChar = '\\', options: ExpandOptions = {}): string {
  return expand(word, env, escape, options).result;
}

/** Expands `text` and splits it into words on unquoted whitespace (BuildKit's ProcessWords). */
export function expandWords(text: string, env: ExpandEnv, escape: EscapeChar = '\\', options: ExpandOptions = {}): string[] {
  return expand(text, env, escape, options).words;
}

/** The names of the variables `word` refers to, in order of first reference (syntax errors throw). */
export function usedVariables(word: string, escape: EscapeChar = '\\'): string[] {
  // With nothing set and unset variables left alone, every reference is visited and none can fail.
  return expand(word, new Map(), escape, { skipUnsetEnv: true }).unmatched;
}

/** Expansion with everything BuildKit reports: the word, its split words, and the names used. */
export function expand(word: string, env: ExpandEnv, escape: EscapeChar = '\\', options: ExpandOptions = {}): ExpandResult {
  const lexer = new Lexer(word, env, escape, options);
  try {
    const { result, words } = lexer.processStopOn(EOF, options.rawEscapes === true);
    return { result, words, matched: [...lexer.matched], unmatched: [...lexer.unmatched] };
  } catch (err) {
    if (err instanceof ShellError) throw invalidArgument(`failed to process ${goQuote(word)}: ${err.message}`, word);
    throw err;
  }
}

/** An error inside the lexer; `expand` wraps it as BuildKit does: `failed to process "<word>": …`. */
class ShellError extends Error {}

const EOF = '';
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);
const isLetter = (ch: string): boolean => /^\p{L}$/u.test(ch);
const isDigit = (ch: string): boolean => /^\p{Nd}$/u.test(ch);
const isSpace = (ch: string): boolean => /^\p{White_Space}$/u.test(ch);
const isMap = (env: ExpandEnv): env is ReadonlyMap<string, string> =>
  env instanceof Map || typeof (env as { get?: unknown }).get === 'function';

/** Collects words the way BuildKit's wordsStruct does (including its quirk: `""` alone makes no word). */
class WordSplitter {
  private word = '';
  private inWord = false;
  private readonly words: string[] = [];

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word !== '') {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word !== '') {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly chars: string[];
  private pos = 0;
  private readonly env: ExpandEnv;
  private readonly escape: EscapeChar;
  private readonly options: ExpandOptions;

  constructor(word: string, env: ExpandEnv, escape: EscapeChar, options: ExpandOptions) {
    this.chars = Array.from(word);
    this.env = env;
    this.escape = escape;
    this.options = options;
  }

  private peek(): string {
    return this.chars[this.pos] ?? EOF;
  }

  private next(): string {
    const ch = this.chars[this.pos] ?? EOF;
    if (ch !== EOF) this.pos++;
    return ch;
  }

  /** Processes up to `stop` (consumed) or the end (stop = EOF); reaching the end before `stop` is an error. */
  processStopOn(stop: string, rawEscapes: boolean): { result: string; words: string[] } {
    let result = '';
    const words = new WordSplitter();
    const quotes = this.options.skipProcessQuotes !== true;
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (stop !== EOF && ch === stop) {
        this.next();
        return { result, words: words.finish() };
      }
      if (ch === '$') {
        const value = this.processDollar();
        result += value;
        words.addString(value); // a variable's value splits on its whitespace
        continue;
      }
      if (quotes && (ch === "'" || ch === '"')) {
        const value = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote(rawEscapes);
        result += value;
        words.addRaw(value);
        continue;
      }
      let c = this.next();
      if (c === this.escape) {
        if (rawEscapes) {
          words.addRaw(c);
          result += c;
        }
        c = this.next();
        if (c === EOF) break; // a trailing escape is dropped
        words.addRaw(c);
      } else {
        words.addChar(c);
      }
      result += c;
    }
    if (stop !== EOF) throw new ShellError(`unexpected end of statement while looking for matching ${stop}`);
    return { result, words: words.finish() };
  }

  private processSingleQuote(): string {
    const raw = this.options.rawQuotes === true;
    let result = '';
    const open = this.next();
    if (raw) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new ShellError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (raw) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(rawEscapes: boolean): string {
    const raw = this.options.rawQuotes === true;
    let result = '';
    const open = this.next();
    if (raw) result += open;
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new ShellError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        const close = this.next();
        if (raw) result += close;
        return result;
      }
      if (p === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.escape) {
        if (rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue; // then the missing closing quote is reported
        if (after === '"' || after === '$' || after === this.escape) ch = this.next();
      }
      result += ch;
    }
  }

  private lookup(name: string): { value: string; set: boolean } {
    let value: string | undefined;
    if (isMap(this.env)) value = this.env.get(name);
    else if (Object.hasOwn(this.env, name)) value = this.env[name];
    if (value === undefined) {
      this.unmatched.add(name);
      return { value: '', set: false };
    }
    this.matched.add(name);
    return { value, set: true };
  }

  /** A `${…}` word up to `stop`; running out of text is reported as the missing delimiter. */
  private processUntil(stop: string, rawEscapes: boolean, missing: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (err) {
      if (err instanceof ShellError && this.peek() === EOF) throw new ShellError(missing);
      throw err;
    }
  }

  private processDollar(): string {
    this.next(); // the '$'
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const { value, set } = this.lookup(name);
      if (!set && this.options.skipUnsetEnv === true) return `$${name}`;
      return value;
    }
    this.next(); // the '{'
    const first = this.peek();
    if (first === EOF) throw new ShellError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ShellError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    // BuildKit reports this case as "unsupported modifier (\ufffd)"; it is the missing '}'.
    if (ch === EOF) throw new ShellError("syntax error: missing '}'");
    let modifier = ch;
    if (ch === '}') {
      const { value, set } = this.lookup(name);
      if (!set && this.options.skipUnsetEnv === true) return `\${${name}}`;
      return value;
    }
    if (ch === '/') return this.processReplace(name);
    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      modifier += ch === EOF ? '\uFFFD' : ch;
    } else if (!'+-?#%'.includes(ch)) {
      throw new ShellError(`unsupported modifier (${modifier}) in substitution`);
    }
    // After ':' any character gets here; the word is read before the modifier is judged.
    let word = this.processUntil('}', ch === '#' || ch === '%', "syntax error: missing '}'");
    const { value, set } = this.lookup(name);
    if (!set && this.options.skipUnsetEnv === true) return `\${${name}${modifier}${word}}`;
    const empty = !set || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return empty ? word : value;
      case '+':
        return empty ? '' : word;
      case '?':
        if (!set) throw new ShellError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (empty) throw new ShellError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      case '#':
      case '%': {
        // One '#'/'%' removes the shortest match, two the longest.
        const greedy = word.startsWith(ch);
        if (greedy) word = word.slice(1);
        return ch === '%' ? trimSuffix(word, value, greedy) : trimPrefix(word, value, greedy);
      }
      default:
        throw new ShellError(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  /** `${name/pattern/replacement}` (first match) and `${name//pattern/replacement}` (every match). */
  private processReplace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = this.processUntil('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.processUntil('}', true, "syntax error: missing '}'");
    const { value, set } = this.lookup(name);
    // (BuildKit writes the `//` form back with a single slash here too.)
    if (!set && this.options.skipUnsetEnv === true) return `\${${name}/${pattern}/${replacement}}`;
    const re = patternRegExp(pattern, true, false);
    if (all) return goReplaceAll(value, re, replacement);
    const m = re.exec(value);
    if (m === null) return value;
    return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
  }

  private processName(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek())) name += this.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }
}

/**
 * A `${…}` pattern as a regular expression: `*` any run (shortest unless greedy), `?` one
 * character, `\*` `\?` `\\` literal; `\}` and `\/` are the delimiters written literally. Like
 * Go's `.`, the wildcards do not match a newline.
 */
function patternRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i] as string;
    if (tok === '*') {
      out += greedy ? '[^\\n]*' : '[^\\n]*?';
    } else if (tok === '?') {
      out += '[^\\n]';
    } else if (tok === '\\') {
      const after = chars[i + 1];
      if (after === '}' || after === '/') continue;
      i++;
      if (after !== '*' && after !== '?' && after !== '\\') {
        throw new ShellError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${after ?? '\uFFFD'}'`);
      }
      out += `\\${after}`;
    } else if ('[]{}.+()|^$'.includes(tok)) {
      out += `\\${tok}`;
    } else {
      out += tok;
    }
  }
  return new RegExp(out, 'u');
}

/** Removes the shortest (or longest) prefix of `value` matching `pattern`. */
function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = patternRegExp(pattern, greedy, true).exec(value);
  return m === null ? value : value.slice(m[0].length);
}

/** Removes a suffix: the same search on the reversed value with the reversed pattern. */
function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  const reversed = trimPrefix(reversePattern(pattern), Array.from(value).reverse().join(''), greedy);
  return Array.from(reversed).reverse().join('');
}

/** Reverses a pattern keeping each `\x` escape in front of its character (`a\*c` → `c\*a`). */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const units: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\' && i !== chars.length - 1) {
      units.push(ch + (chars[i + 1] as string));
      i++;
    } else {
      units.push(ch);
    }
  }
  return units.reverse().join('');
}

/**
 * Go's Regexp.ReplaceAllString: successive non-overlapping matches, an empty match right after a
 * match is not replaced, and `$0`/`${0}` in the replacement is the match (`$$` a dollar; any other
 * `$name` is empty, as the pattern has no groups).
 */
function goReplaceAll(value: string, source: RegExp, template: string): string {
  const re = new RegExp(source.source, 'gu');
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= value.length) {
    re.lastIndex = searchPos;
    const m = re.exec(value);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    out += value.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expandTemplate(template, m[0]);
    lastMatchEnd = end;
    const cp = value.codePointAt(searchPos);
    const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + value.slice(lastMatchEnd);
}

/** Go's Regexp.Expand for a match without groups. */
function expandTemplate(template: string, match: string): string {
  let out = '';
  let rest = template;
  for (;;) {
    const i = rest.indexOf('$');
    if (i < 0) break;
    out += rest.slice(0, i);
    rest = rest.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const m = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (m === null) {
      out += '$'; // malformed: the dollar is literal
      continue;
    }
    rest = rest.slice(m[0].length);
    if ((m[1] ?? m[2]) === '0') out += match;
  }
  return out + rest;
}

/** Go's %q (strconv.Quote), for messages that read like BuildKit's. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'; // a lone surrogate is not a valid rune
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}
