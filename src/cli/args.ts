// Command-line parsing with docker/cli's conventions: `--flag value`, `--flag=value`, `-f value`,
// `-fvalue`, grouped short booleans (`-aq`), repeatable flags, `--` to end flags, and for commands
// like `run` flags stop at the first argument so the container's own flags pass through untouched.
import { BerthError } from '../errdefs/index.ts';

export type FlagType = 'bool' | 'string' | 'list' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  help: string;
  /** Value name shown in help (`--format string`). */
  value?: string;
  default?: string | boolean | number;
  hidden?: boolean;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

/** A usage error: docker/cli prints it with a "See '... --help'." hint and exits 125. */
export class UsageError extends BerthError {
  constructor(message: string) {
    super('InvalidArgument', message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], stopAtFirstArg = false): { flags: FlagValues; args: string[] } {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const flags: FlagValues = {};
  for (const s of specs) flags[s.name] = s.type === 'list' ? [] : s.default;
  const args: string[] = [];

  const set = (spec: FlagSpec, raw: string | undefined, shown: string): void => {
    switch (spec.type) {
      case 'bool': {
        if (raw === undefined || raw === 'true' || raw === '1') flags[spec.name] = true;
        else if (raw === 'false' || raw === '0') flags[spec.name] = false;
        else throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
        return;
      }
      case 'int': {
        if (raw === undefined || !/^-?\d+$/.test(raw)) throw new UsageError(`invalid argument "${raw ?? ''}" for "${shown}" flag: strconv.ParseInt: parsing "${raw ?? ''}": invalid syntax`);
        flags[spec.name] = Number(raw);
        return;
      }
      case 'list':
        (flags[spec.name] as string[]).push(raw as string);
        return;
      default:
        flags[spec.name] = raw;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      let value: string | undefined = eq === -1 ? undefined : a.slice(eq + 1);
      if (value === undefined && spec.type !== 'bool') {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
        value = argv[++i];
      }
      set(spec, value, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A group of short flags; a value-taking flag consumes the rest of the group or the next argument.
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        const spec = byShort.get(c);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`);
        if (spec.type === 'bool') {
          if (a[j + 1] === '=') {
            set(spec, a.slice(j + 2), `-${c}, --${spec.name}`);
            break;
          }
          set(spec, undefined, `-${c}, --${spec.name}`);
          continue;
        }
        let value = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        if (value === '') {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${c}' in -${c}`);
          value = argv[++i] as string;
        }
        set(spec, value, `-${c}, --${spec.name}`);
        break;
      }
      continue;
    }
    args.push(a);
    if (stopAtFirstArg) {
      args.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, args };
}

export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const value = s.type === 'bool' ? '' : ` ${s.value ?? (s.type === 'list' ? 'list' : s.type)}`;
      const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${value}`;
      const def = s.default !== undefined && s.default !== false && s.default !== '' ? ` (default ${JSON.stringify(s.default)})` : '';
      return [left, s.help + def] as const;
    });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}   ${r}`).join('\n');
}

/**
 * `KEY=VALUE` items of a list flag (`--label`, `--opt`, `--build-arg`). A bare `KEY` is an empty
 * value, or with `fromEnv` the environment's value of KEY (left out when it has none), as Docker's
 * `--build-arg NAME` does.
 */
export function keyValueList(list: string[], flag: string, o: { fromEnv?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new UsageError(`invalid argument "${item}" for "${flag}" flag: empty key`);
    if (eq !== -1) out[item.slice(0, eq)] = item.slice(eq + 1);
    else if (!o.fromEnv) out[item] = '';
    else if (process.env[item] !== undefined) out[item] = process.env[item] as string;
  }
  return out;
}
