// A Go text/template subset: what Docker users write in --format. Fields (.A.B), variables,
// pipelines, if/else if/else, range, with, trim markers, and docker/cli's functions (json, join,
// split, lower, upper, title, truncate, pad, println) plus Go's (printf, len, index, eq, ne, lt,
// le, gt, ge, and, or, not, print).
import { invalidArgument } from '../../errdefs/index.ts';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] }
  | { kind: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] };

interface Pipeline {
  decl: string[];
  cmds: Arg[][];
}

type Arg =
  | { t: 'field'; base: 'dot' | string; path: string[] }
  | { t: 'lit'; v: unknown }
  | { t: 'fn'; name: string }
  | { t: 'pipe'; p: Pipeline };

export interface Template {
  execute(data: unknown): string;
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  join: (list, sep) => (Array.isArray(list) ? list.map(goString).join(String(sep)) : goString(list)),
  split: (s, sep) => String(s).split(String(sep)),
  lower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  title: (s) => String(s).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  truncate: (s, n) => [...String(s)].slice(0, Number(n)).join(''),
  pad: (s, l, r) => `${' '.repeat(Number(l))}${String(s)}${' '.repeat(Number(r))}`,
  println: (...a) => `${a.map(goString).join(' ')}\n`,
  print: (...a) => a.map(goString).join(''),
  printf: (f, ...a) => sprintf(String(f), a),
  len: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  // Go's index gives a map's zero value for a missing key (the maps here hold strings): "".
  index: (v, ...keys) => keys.reduce<unknown>((o, k) => (o == null ? undefined : ((o as Record<string, unknown>)[String(k)] ?? (Array.isArray(o) ? undefined : ''))), v),
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  and: (...a) => a.find((x) => !truthy(x)) ?? a.at(-1),
  or: (...a) => a.find((x) => truthy(x)) ?? a.at(-1),
  not: (a) => !truthy(a),
};

export function compileTemplate(src: string): Template {
  const tokens = lex(src);
  let pos = 0;
  const parseList = (stops: string[]): { nodes: Node[]; stop: string; arg: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos++] as Token;
      if (tok.kind === 'text') {
        nodes.push({ kind: 'text', text: tok.text });
        continue;
      }
      const body = tok.text.trim();
      const word = /^(if|else|end|range|with)\b/.exec(body)?.[1];
      if (word === 'end' || word === 'else') {
        if (!stops.includes(word)) throw err(`unexpected {{${word}}}`);
        return { nodes, stop: word, arg: body.slice(word.length).trim() };
      }
      if (word === 'if' || word === 'range' || word === 'with') {
        const pipe = parsePipeline(body.slice(word.length).trim());
        if (word === 'if') {
          const branches = [{ cond: pipe, body: [] as Node[] }];
          let otherwise: Node[] = [];
          for (;;) {
            const r = parseList(['else', 'end']);
            (branches.at(-1) as { body: Node[] }).body = r.nodes;
            if (r.stop === 'end') break;
            if (r.arg.startsWith('if')) {
              branches.push({ cond: parsePipeline(r.arg.slice(2).trim()), body: [] });
              continue;
            }
            otherwise = parseList(['end']).nodes;
            break;
          }
          nodes.push({ kind: 'if', branches, otherwise });
        } else {
          const r = parseList(['else', 'end']);
          const otherwise = r.stop === 'else' ? parseList(['end']).nodes : [];
          nodes.push({ kind: word, pipe, body: r.nodes, otherwise });
        }
        continue;
      }
      if (body.startsWith('/*')) continue; // comment
      nodes.push({ kind: 'action', pipe: parsePipeline(body) });
    }
    if (stops.length > 0) throw err('unexpected EOF');
    return { nodes, stop: '', arg: '' };
  };
  const root = parseList([]).nodes;
  return { execute: (data) => run(root, data, new Map([['$', data]])) };
}

function err(msg: string): Error {
  return invalidArgument(`template parsing error: template: :1: ${msg}`);
}

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open === -1) {
      out.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start)) {
      text = text.replace(/\s+$/, '');
      start += 2;
    }
    if (text) out.push({ kind: 'text', text });
    // Find the closing braces outside string literals.
    let j = start;
    let quote = '';
    for (; j < src.length; j++) {
      const c = src[j];
      if (quote) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === '`') quote = c;
      else if (src.startsWith('}}', j)) break;
    }
    if (j >= src.length) throw err('unclosed action');
    let body = src.slice(start, j);
    i = j + 2;
    if (body.endsWith(' -')) {
      body = body.slice(0, -2);
      const m = /^\s+/.exec(src.slice(i));
      if (m) i += m[0].length;
    }
    out.push({ kind: 'action', text: body });
  }
  return out;
}

function parsePipeline(src: string): Pipeline {
  let s = src;
  const decl: string[] = [];
  const m = /^(\$\w*)(?:\s*,\s*(\$\w*))?\s*:?=\s*/.exec(s);
  if (m) {
    decl.push(m[1] as string);
    if (m[2]) decl.push(m[2]);
    s = s.slice(m[0].length);
  }
  const cmds: Arg[][] = [];
  let cur: Arg[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '|') {
      if (cur.length === 0) throw err('missing command before "|"');
      cmds.push(cur);
      cur = [];
      i++;
      continue;
    }
    if (c === '(') {
      let depth = 1;
      let j = i + 1;
      for (; j < s.length && depth > 0; j++) {
        if (s[j] === '(') depth++;
        else if (s[j] === ')') depth--;
      }
      if (depth !== 0) throw err('unclosed left paren');
      cur.push({ t: 'pipe', p: parsePipeline(s.slice(i + 1, j - 1)) });
      i = j;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      cur.push({ t: 'lit', v: JSON.parse(s.slice(i, j + 1)) as string });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = s.indexOf('`', i + 1);
      if (j === -1) throw err('unterminated raw quoted string');
      cur.push({ t: 'lit', v: s.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const word = /^[^\s|()]+/.exec(s.slice(i))?.[0] as string;
    i += word.length;
    if (word.startsWith('.') || word.startsWith('$')) {
      const [base, ...rest] = word.startsWith('.') ? ['dot', ...word.slice(1).split('.')] : word.split('.');
      cur.push({ t: 'field', base: base as string, path: rest.filter((p) => p !== '') });
    } else if (/^-?\d+(\.\d+)?$/.test(word)) cur.push({ t: 'lit', v: Number(word) });
    else if (word === 'true' || word === 'false') cur.push({ t: 'lit', v: word === 'true' });
    else if (word === 'nil') cur.push({ t: 'lit', v: null });
    else if (word in FUNCS) cur.push({ t: 'fn', name: word });
    else throw err(`function "${word}" not defined`);
  }
  if (cur.length > 0) cmds.push(cur);
  if (cmds.length === 0) throw err('missing value for command');
  return { decl, cmds };
}

type Vars = Map<string, unknown>;

function evalArg(a: Arg, dot: unknown, vars: Vars): unknown {
  switch (a.t) {
    case 'lit':
      return a.v;
    case 'pipe':
      return evalPipe(a.p, dot, vars);
    case 'fn':
      return FUNCS[a.name]?.();
    case 'field': {
      let v: unknown = a.base === 'dot' ? dot : vars.has(a.base) ? vars.get(a.base) : undefined;
      if (a.base !== 'dot' && !vars.has(a.base)) throw invalidArgument(`template: :1: undefined variable "${a.base}"`);
      for (const p of a.path) {
        if (v === null || v === undefined) return undefined;
        if (typeof v !== 'object') throw invalidArgument(`template: :1: executing "" at <.${a.path.join('.')}>: can't evaluate field ${p} in type ${typeof v}`);
        if (!(p in (v as object)) && !Array.isArray(v) && !isMapLike(v)) {
          throw invalidArgument(`template: :1: executing "" at <.${a.path.join('.')}>: can't evaluate field ${p}`);
        }
        v = (v as Record<string, unknown>)[p];
      }
      return v;
    }
  }
}

// Docker's label and map values behave like Go maps: a missing key is "<no value>", not an error.
function isMapLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && Object.keys(v).every((k) => !/^[A-Z]/.test(k));
}

function evalPipe(p: Pipeline, dot: unknown, vars: Vars): unknown {
  let prev: unknown;
  let first = true;
  for (const cmd of p.cmds) {
    const head = cmd[0] as Arg;
    let v: unknown;
    if (head.t === 'fn') {
      const args = cmd.slice(1).map((a) => evalArg(a, dot, vars));
      if (!first) args.push(prev);
      v = (FUNCS[head.name] as (...a: unknown[]) => unknown)(...args);
    } else {
      if (cmd.length > 1) throw invalidArgument(`template: :1: can't give argument to non-function`);
      v = evalArg(head, dot, vars);
    }
    prev = v;
    first = false;
  }
  if (p.decl.length === 1) vars.set(p.decl[0] as string, prev);
  return prev;
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function run(nodes: Node[], dot: unknown, vars: Vars): string {
  let out = '';
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out += n.text;
        break;
      case 'action': {
        const v = evalPipe(n.pipe, dot, vars);
        if (n.pipe.decl.length === 0) out += goString(v);
        break;
      }
      case 'if': {
        const b = n.branches.find((br) => truthy(evalPipe(br.cond, dot, vars)));
        out += run(b ? b.body : n.otherwise, dot, new Map(vars));
        break;
      }
      case 'with': {
        const v = evalPipe({ decl: [], cmds: n.pipe.cmds }, dot, vars);
        out += truthy(v) ? run(n.body, v, new Map(vars)) : run(n.otherwise, dot, new Map(vars));
        break;
      }
      case 'range': {
        const v = evalPipe({ decl: [], cmds: n.pipe.cmds }, dot, vars);
        const items: [unknown, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]) : [];
        if (items.length === 0) {
          out += run(n.otherwise, dot, new Map(vars));
          break;
        }
        for (const [k, x] of items) {
          const inner = new Map(vars);
          if (n.pipe.decl.length === 1) inner.set(n.pipe.decl[0] as string, x);
          if (n.pipe.decl.length === 2) {
            inner.set(n.pipe.decl[0] as string, k);
            inner.set(n.pipe.decl[1] as string, x);
          }
          out += run(n.body, x, inner);
        }
        break;
      }
    }
  }
  return out;
}

/** How Go's fmt prints a value with %v. */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    return `map[${Object.keys(v).sort().map((k) => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's encoding/json: compact, with <, > and & escaped. */
export function goJson(v: unknown): string {
  return (JSON.stringify(v === undefined ? null : v) ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([svdqfxXtT%])/g, (_m, flags: string, width: string, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    let s: string;
    switch (verb) {
      case 'd':
        s = String(Math.trunc(Number(a)));
        break;
      case 'f':
        s = Number(a).toFixed(prec === undefined ? 6 : Number(prec));
        break;
      case 'q':
        s = JSON.stringify(goString(a));
        break;
      case 'x':
        s = typeof a === 'number' ? a.toString(16) : Buffer.from(goString(a)).toString('hex');
        break;
      case 'X':
        s = (typeof a === 'number' ? a.toString(16) : Buffer.from(goString(a)).toString('hex')).toUpperCase();
        break;
      case 'T':
        s = Array.isArray(a) ? '[]interface {}' : typeof a;
        break;
      default:
        s = goString(a);
        if (prec !== undefined) s = s.slice(0, Number(prec));
    }
    const w = Number(width || 0);
    return flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && verb === 'd' ? '0' : ' ');
  });
}
