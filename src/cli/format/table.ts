// docker/cli's list output: `table` (aligned columns with a header), `table TEMPLATE`, `json`
// (one object per line), or a plain template per item.
import { compileTemplate, goJson } from './template.ts';

export interface ListOptions {
  format?: string;
  /** The `table ...` template used when no format (or just "table") is given. */
  defaultTable: string;
  /** Field name → header text (ID → "IMAGE ID"); others are upper-cased. */
  headers: Record<string, string>;
}

/** docker/cli lets users write \t and \n in a format string. */
function unescape(f: string): string {
  return f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

export function renderList(items: readonly object[], opts: ListOptions): string {
  let format = opts.format === undefined || opts.format === '' || opts.format === 'table' ? opts.defaultTable : opts.format;
  if (format === 'json') return items.map((i) => `${goJson(sortKeys(i))}\n`).join('');
  format = unescape(format);
  if (!format.startsWith('table')) {
    const t = compileTemplate(format);
    return items.map((i) => `${t.execute(i)}\n`).join('');
  }
  const body = format.slice('table'.length).trimStart();
  const t = compileTemplate(body);
  const headerData = new Proxy({}, { get: (_o, k) => (typeof k === 'string' ? (opts.headers[k] ?? k.toUpperCase()) : undefined), has: () => true });
  const lines = [t.execute(headerData), ...items.map((i) => t.execute(i))];
  return tabwrite(lines);
}

function sortKeys(o: object): object {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Go's tabwriter as docker/cli configures it: minwidth 10, padding 3, cells separated by tabs. */
export function tabwrite(lines: readonly string[], minWidth = 10, padding = 3): string {
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows) {
    r.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(minWidth, [...cell].length + padding));
    });
  }
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell + ' '.repeat((widths[i] as number) - [...cell].length) : cell)).join('').trimEnd() + '\n').join('');
}
