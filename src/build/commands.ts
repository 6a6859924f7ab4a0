// Nodes → typed Commands and Stages, following BuildKit's frontend/dockerfile/instructions: each
// instruction's arguments are split and checked here, nothing is expanded (variables are substituted
// while the build runs). Errors use parse.ts's one format:
// `dockerfile parse error on line N of FILE: KEYWORD: what is wrong`.

import {
  WHITESPACE, heredocWord, instructionError, isSpace, jsonArray, parseError, suggestion, trimSpace,
} from './parse.ts';
import type { Command, CommandLine, Dockerfile, KeyValue, MountSpec, Node, ParsedDockerfile, Stage } from './syntax.ts';

type Of<K extends Command['kind']> = Extract<Command, { kind: K }>;

/** BuildKit's rule for stage names (checked after lower-casing). */
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/**
 * The stages of a parsed Dockerfile. ARGs before the first FROM are `globalArgs`; any other instruction
 * there is an error, as are a file without FROM and two stages with the same name.
 */
export function toDockerfile(parsed: ParsedDockerfile): Dockerfile {
  const globalArgs: Of<'ARG'>[] = [];
  const stages: Stage[] = [];
  const named = new Map<string, Of<'FROM'>>();
  for (const node of parsed.nodes) {
    const command = toCommand(node, parsed.escape);
    if (command.kind === 'FROM') {
      const stage: Stage = { index: stages.length, from: command, commands: [] };
      if (command.stageName !== undefined) {
        const earlier = named.get(command.stageName);
        if (earlier !== undefined) {
          throw instructionError(node, `duplicate stage name "${command.stageName}" (first defined on line ${earlier.node.location.startLine})`);
        }
        named.set(command.stageName, command);
        stage.name = command.stageName;
      }
      stages.push(stage);
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage !== undefined) {
      stage.commands.push(command);
    } else if (command.kind === 'ARG') {
      globalArgs.push(command);
    } else {
      throw instructionError(node, 'no build stage in current context: only ARG can come before the first FROM');
    }
  }
  if (stages.length === 0) {
    const first = parsed.nodes[0]?.location;
    throw parseError(first?.file ?? 'Dockerfile', first?.startLine ?? 1, 'dockerfile contains no stages to build: there is no FROM instruction');
  }
  return { escape: parsed.escape, directives: parsed.directives, globalArgs, stages, warnings: parsed.warnings };
}

/**
 * One Node as a typed Command. `escape` is the file's escape character (ENV, LABEL and ARG words are
 * split with it). Also for ONBUILD triggers read back from an image: parse them with parseDockerfile and
 * pass each node here.
 */
export function toCommand(node: Node, escape: '\\' | '`' = '\\'): Command {
  switch (node.keyword) {
    case 'FROM': return fromCommand(node);
    case 'RUN': return runCommand(node);
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind: node.keyword, node, command: commandLine(node) };
    case 'ENV':
    case 'LABEL':
      return { kind: node.keyword, node, pairs: keyValues(node, escape) };
    case 'ARG': return argCommand(node, escape);
    case 'COPY':
    case 'ADD':
      return copyCommand(node, node.keyword);
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      if (node.rest === '') throw instructionError(node, 'requires exactly one argument');
      return { kind: node.keyword, node, value: node.rest };
    case 'EXPOSE': {
      const ports = splitWhitespace(node.rest);
      if (ports.length === 0) throw instructionError(node, 'requires at least one argument');
      return { kind: 'EXPOSE', node, ports };
    }
    case 'VOLUME': return volumeCommand(node);
    case 'SHELL': {
      const json = jsonArray(node.rest);
      if (json !== undefined && !json.strings) throw instructionError(node, NOT_STRING_ARRAY);
      if (node.rest === '' || json?.values.length === 0) throw instructionError(node, 'requires at least one argument');
      if (json === undefined) throw instructionError(node, 'requires the arguments to be in JSON form');
      return { kind: 'SHELL', node, shell: json.values as string[] };
    }
    case 'ONBUILD': return onbuildCommand(node);
    case 'HEALTHCHECK': return healthcheckCommand(node);
    default:
      throw parseError(node.location.file, node.location.startLine, `unknown instruction: ${node.keyword}`);
  }
}

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/** Exec form when `text` is a JSON array of strings, else shell form (also for invalid JSON, as BuildKit). */
function commandLine(node: Node, text = node.rest): CommandLine {
  const json = jsonArray(text);
  if (json === undefined) return { shell: text };
  if (!json.strings) throw instructionError(node, NOT_STRING_ARRAY);
  return { exec: json.values as string[] };
}

function splitWhitespace(text: string): string[] {
  return text === '' ? [] : text.split(WHITESPACE);
}

/** JSON array of strings or whitespace-split words (COPY, ADD, VOLUME). */
function listArgs(node: Node): { args: string[]; json: boolean } {
  const json = jsonArray(node.rest);
  if (json === undefined) return { args: splitWhitespace(node.rest), json: false };
  if (!json.strings) throw instructionError(node, NOT_STRING_ARRAY);
  return { args: json.values as string[], json: true };
}

// --- flags -------------------------------------------------------------------------------------

type FlagKind = 'bool' | 'string' | 'strings';

interface FlagValues {
  bools: Map<string, boolean>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
}

/**
 * Checks a node's flags against what the instruction takes (BuildKit's BFlags): unknown flags, a
 * non-repeatable flag given twice, a string flag without `=value`, a boolean that is not true/false.
 */
function parseFlags(node: Node, spec: Record<string, FlagKind>): FlagValues {
  const values: FlagValues = { bools: new Map(), strings: new Map(), lists: new Map() };
  const seen = new Set<string>();
  for (const flag of node.flags) {
    const body = flag.startsWith('--') ? flag.slice(2) : flag;
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!flag.startsWith('--') || kind === undefined) {
      const close = suggestion(name, Object.keys(spec));
      throw instructionError(node, `unknown flag: --${name}${close === undefined ? '' : ` (did you mean --${close}?)`}`);
    }
    if (seen.has(name) && kind !== 'strings') throw instructionError(node, `duplicate flag specified: --${name}`);
    seen.add(name);
    if (kind === 'bool') {
      if (value === undefined) {
        values.bools.set(name, true);
      } else if (/^(true|false)$/i.test(value)) {
        values.bools.set(name, value.toLowerCase() === 'true');
      } else if (value === '') {
        throw instructionError(node, `missing a value on flag: --${name}`);
      } else {
        throw instructionError(node, `expecting boolean value for flag --${name}, not: ${value}`);
      }
    } else {
      if (value === undefined) throw instructionError(node, `missing a value on flag: --${name}`);
      if (kind === 'string') values.strings.set(name, value);
      else values.lists.set(name, [...(values.lists.get(name) ?? []), value]);
    }
  }
  return values;
}

/** A string flag's value; an empty value counts as not given (as in BuildKit). */
function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values.strings.get(name);
  return value === '' ? undefined : value;
}

// --- instructions ------------------------------------------------------------------------------

function fromCommand(node: Node): Of<'FROM'> {
  const flags = parseFlags(node, { platform: 'string' });
  const args = splitWhitespace(node.rest);
  const command: Of<'FROM'> = { kind: 'FROM', node, image: args[0] ?? '' };
  if (args.length === 3 && (args[1] as string).toLowerCase() === 'as') {
    const name = (args[2] as string).toLowerCase();
    if (!STAGE_NAME.test(name)) {
      throw instructionError(node, `invalid name for build stage: "${args[2]}", name can't start with a number or contain symbols`);
    }
    command.stageName = name;
  } else if (args.length !== 1) {
    throw instructionError(node, 'requires either one or three arguments');
  }
  const platform = stringFlag(flags, 'platform');
  if (platform !== undefined) command.platform = platform;
  return command;
}

const NETWORK_MODES = ['default', 'none', 'host'];
const SECURITY_MODES = ['sandbox', 'insecure'];

function runCommand(node: Node): Of<'RUN'> {
  const flags = parseFlags(node, { mount: 'strings', network: 'string', security: 'string' });
  const mounts = (flags.lists.get('mount') ?? []).map((spec) => parseMount(node, spec));
  const command: Of<'RUN'> = { kind: 'RUN', node, command: commandLine(node), mounts };
  const network = flags.strings.get('network');
  if (network !== undefined) {
    if (!NETWORK_MODES.includes(network)) throw instructionError(node, `unsupported network mode "${network}" (one of ${NETWORK_MODES.join(', ')})`);
    command.network = network;
  }
  const security = flags.strings.get('security');
  if (security !== undefined) {
    if (!SECURITY_MODES.includes(security)) throw instructionError(node, `unsupported security mode "${security}" (one of ${SECURITY_MODES.join(', ')})`);
    command.security = security;
  }
  return command;
}

const MOUNT_TYPES = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const MOUNT_KEYS = [
  'type', 'from', 'source', 'src', 'target', 'dst', 'destination', 'readonly', 'ro', 'readwrite', 'rw', 'required',
  'size', 'id', 'sharing', 'mode', 'uid', 'gid', 'env',
];
/** Options that may be given without `=value`: they mean `=true`. */
const MOUNT_SWITCHES = ['readonly', 'ro', 'readwrite', 'rw', 'required'];

/**
 * `--mount=type=cache,target=/root/.cache` → `{ type: 'cache', target: '/root/.cache' }`. The value is a
 * CSV record (a field may be double-quoted, `""` inside is a quote). Keys are lower-cased, `type`
 * defaults to `bind` and is lower-cased, a switch without a value (`ro`, `rw`, `required`, …) is `true`;
 * other values are kept as written, to be expanded and checked while the build runs (except that
 * `from` may not use a variable, as in BuildKit).
 */
export function parseMount(node: Node, value: string): MountSpec {
  const fail = (message: string) => instructionError(node, `--mount=${value}: ${message}`);
  const fields = csvRecord(value);
  if (typeof fields === 'string') throw fail(fields);
  const spec: MountSpec = { type: 'bind' };
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    let v = eq < 0 ? undefined : field.slice(eq + 1);
    if (v === undefined) {
      if (!MOUNT_SWITCHES.includes(key)) throw fail(`invalid field '${field}' must be a key=value pair`);
      v = 'true';
    }
    if (!MOUNT_KEYS.includes(key)) {
      const close = suggestion(key, MOUNT_KEYS);
      throw fail(`unexpected key '${key}' in '${field}'${close === undefined ? '' : ` (did you mean ${close}?)`}`);
    }
    if (key === 'type') {
      v = v.toLowerCase();
      if (!v.includes('$') && !MOUNT_TYPES.includes(v)) {
        const close = suggestion(v, MOUNT_TYPES);
        throw fail(`unsupported mount type "${v}"${close === undefined ? '' : ` (did you mean ${close}?)`}`);
      }
    }
    if (key === 'from' && /\$./.test(v)) throw fail("'from' doesn't support variable expansion, define alias stage instead");
    spec[key] = v;
  }
  return spec;
}

/** One CSV record (Go encoding/csv rules, comma-separated, no lazy quotes), or the error. */
function csvRecord(text: string): string[] | string {
  if (text === '') return 'empty mount specification';
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) return 'extraneous or missing " in quoted-field';
        field += text.slice(i, close);
        i = close + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        if (i < text.length && text[i] !== ',') return 'extraneous or missing " in quoted-field';
        break;
      }
    } else {
      const comma = text.indexOf(',', i);
      field = comma < 0 ? text.slice(i) : text.slice(i, comma);
      if (field.includes('"')) return 'bare " in non-quoted-field';
      i = comma < 0 ? text.length : comma;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
    if (i === text.length) {
      fields.push('');
      return fields;
    }
  }
}

/**
 * BuildKit's parseWords: splits on whitespace outside quotes, keeping quotes and escapes in the words
 * (an escape outside single quotes keeps the next character in the word; a trailing escape is dropped).
 */
export function splitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let blankOK = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    let ch = text[i] as string;
    if (!inWord) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (quote === '') {
      if (isSpace(ch)) {
        if (blankOK || word !== '') words.push(word);
        word = '';
        blankOK = false;
        inWord = false;
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        blankOK = true;
      } else if (ch === escape) {
        if (i + 1 === text.length) continue;
        word += ch;
        ch = text[++i] as string;
      }
    } else if (ch === quote) {
      quote = '';
    } else if (ch === escape && quote !== "'") {
      if (i + 1 === text.length) continue;
      word += ch;
      ch = text[++i] as string;
    }
    word += ch;
  }
  if (inWord && (blankOK || word !== '')) words.push(word);
  return words;
}

/**
 * ENV and LABEL: `key=value …` (split on unquoted whitespace, quotes and escapes kept), or the legacy
 * `KEY value` when the first word has no `=` (the value is all the rest, as written).
 */
function keyValues(node: Node, escape: string): KeyValue[] {
  const words = splitWords(node.rest, escape);
  if (words.length === 0) throw instructionError(node, 'requires at least one argument');
  if (!(words[0] as string).includes('=')) {
    const m = WHITESPACE.exec(node.rest);
    if (m === null) throw instructionError(node, 'must have two arguments');
    return [{ key: node.rest.slice(0, m.index), value: node.rest.slice(m.index + m[0].length) }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw instructionError(node, `can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
    if (eq === 0) throw instructionError(node, 'names can not be blank');
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

function argCommand(node: Node, escape: string): Of<'ARG'> {
  const words = splitWords(node.rest, escape);
  if (words.length === 0) throw instructionError(node, 'requires at least one argument');
  const args = words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { name: word };
    if (eq === 0) throw instructionError(node, 'names can not be blank');
    return { name: word.slice(0, eq), value: word.slice(eq + 1) };
  });
  return { kind: 'ARG', node, args };
}

function copyCommand(node: Node, kind: 'COPY' | 'ADD'): Of<'COPY' | 'ADD'> {
  const isAdd = kind === 'ADD';
  const flags = parseFlags(node, isAdd
    ? { chown: 'string', chmod: 'string', link: 'bool', exclude: 'strings', checksum: 'string', 'keep-git-dir': 'bool' }
    : { from: 'string', chown: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool' });
  const { args, json } = listArgs(node);
  if (args.length < 2) {
    throw instructionError(node, 'requires at least two arguments, but only one was provided. Destination could not be determined');
  }
  const dest = args[args.length - 1] as string;
  if (!json && heredocWord(dest) !== undefined) throw instructionError(node, 'cannot accept a heredoc as a destination');
  const sources = args.slice(0, -1).map((source) => (json ? source : heredocWord(source)?.name ?? source));
  const command: Of<'COPY' | 'ADD'> = {
    kind, node, sources, dest,
    link: flags.bools.get('link') ?? false,
    parents: flags.bools.get('parents') ?? false,
    exclude: flags.lists.get('exclude') ?? [],
  };
  for (const [name, field] of [['from', 'from'], ['chown', 'chown'], ['chmod', 'chmod'], ['checksum', 'checksum']] as const) {
    const value = stringFlag(flags, name);
    if (value !== undefined) command[field] = value;
  }
  if (isAdd) command.keepGitDir = flags.bools.get('keep-git-dir') ?? false;
  return command;
}

function volumeCommand(node: Node): Of<'VOLUME'> {
  const { args } = listArgs(node);
  if (args.length === 0) throw instructionError(node, 'requires at least one argument');
  const paths = args.map((arg) => trimSpace(arg));
  if (paths.includes('')) throw instructionError(node, 'VOLUME specified can not be an empty string');
  return { kind: 'VOLUME', node, paths };
}

function onbuildCommand(node: Node): Of<'ONBUILD'> {
  if (node.rest === '') throw instructionError(node, 'requires at least one argument');
  const m = WHITESPACE.exec(node.rest);
  const trigger = (m === null ? node.rest : node.rest.slice(0, m.index)).toUpperCase();
  if (trigger === 'ONBUILD') throw instructionError(node, "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === 'FROM' || trigger === 'MAINTAINER') throw instructionError(node, `${trigger} isn't allowed as an ONBUILD trigger`);
  // As BuildKit keeps it: the line without the ONBUILD keyword, each heredoc body and delimiter appended.
  let text = node.original.replace(/^[\t\n\v\f\r ]*ONBUILD[\t\n\v\f\r ]*/i, '');
  for (const heredoc of node.heredocs) text += `\n${heredoc.content}${heredoc.name}`;
  return { kind: 'ONBUILD', node, trigger: text };
}

const HEALTHCHECK_DURATIONS = [['interval', 'interval'], ['timeout', 'timeout'], ['start-period', 'startPeriod'], ['start-interval', 'startInterval']] as const;
/** Docker's minimum for a HEALTHCHECK duration that is not 0. */
const MINIMUM_DURATION_NS = 1_000_000;

function healthcheckCommand(node: Node): Of<'HEALTHCHECK'> {
  if (node.rest === '') throw instructionError(node, 'requires at least one argument');
  let sep = 0;
  while (sep < node.rest.length && !isSpace(node.rest[sep] as string)) sep++;
  const type = node.rest.slice(0, sep).toUpperCase();
  const args = trimSpace(node.rest.slice(sep));
  if (type === 'NONE') {
    // BuildKit ignores flags here.
    if (args !== '') throw instructionError(node, 'HEALTHCHECK NONE takes no arguments');
    return { kind: 'HEALTHCHECK', node };
  }
  const flags = parseFlags(node, { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' });
  if (type !== 'CMD') throw instructionError(node, `unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const test = commandLine(node, args);
  if ('exec' in test ? test.exec.length === 0 : test.shell === '') throw instructionError(node, 'missing command after HEALTHCHECK CMD');
  const command: Of<'HEALTHCHECK'> = { kind: 'HEALTHCHECK', node, test };
  for (const [flag, field] of HEALTHCHECK_DURATIONS) {
    const value = stringFlag(flags, flag);
    if (value === undefined) continue;
    const ns = parseDuration(value);
    if (ns === undefined) throw instructionError(node, `invalid duration "${value}" for --${flag}`);
    if (ns !== 0 && ns < MINIMUM_DURATION_NS) throw instructionError(node, `--${flag} cannot be less than 1ms (got "${value}")`);
    command[field] = value;
  }
  const retries = stringFlag(flags, 'retries');
  if (retries !== undefined) {
    const n = /^[+-]?\d+$/.test(retries) ? Number(retries) : NaN;
    if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) throw instructionError(node, `invalid value "${retries}" for --retries: not an integer`);
    if (n < 0) throw instructionError(node, `--retries cannot be negative (${n})`);
    command.retries = n;
  }
  return command;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * A Go duration (`1m30s`, `1.5h`, `300ms`, `0`) in nanoseconds, as Docker's HEALTHCHECK flags are written
 * (the image config keeps nanoseconds); undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  const part = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  while (part.lastIndex < s.length) {
    const m = part.exec(s);
    if (m === null) return undefined;
    const whole = m[1] as string;
    const frac = m[2] ?? '';
    if (whole === '' && frac === '') return undefined;
    const unit = DURATION_UNITS[m[3] as string] as number;
    total += Number(whole || '0') * unit + (frac === '' ? 0 : Number(`0.${frac}`) * unit);
  }
  return sign * Math.round(total);
}
