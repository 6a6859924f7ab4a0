// Build progress, as BuildKit shows it: `--progress=plain` prints `#N` lines for every step and
// every line of its output; on a terminal (`auto`, `tty`) a view redrawn in place — a header with
// the elapsed time and steps done, one line per step with its state and time, and the last lines
// of the output of the steps still running — that ends as the list of steps and their times.
import type { BuildEvent } from '../build/index.ts';

/** `--progress=plain`. */
export function plainRenderer(write: (text: string) => void): (e: BuildEvent) => void {
  const partial = new Map<number, string>();
  const flush = (vertex: number, elapsed: number, text: string): void => {
    const lines = ((partial.get(vertex) ?? '') + text).split('\n');
    partial.set(vertex, lines.pop() as string);
    for (const l of lines) write(`#${vertex} ${elapsed.toFixed(3)} ${l.replace(/\r$/, '')}\n`);
  };
  return (e) => {
    switch (e.type) {
      case 'start':
        write(`\n#${e.vertex} ${e.name}\n`);
        break;
      case 'log':
        flush(e.vertex, e.elapsed, e.data.toString());
        break;
      case 'status':
        write(`#${e.vertex} ${e.text}\n`);
        break;
      case 'cached':
        write(`#${e.vertex} CACHED\n`);
        break;
      case 'done':
      case 'error': {
        const rest = partial.get(e.vertex);
        if (rest) write(`#${e.vertex} ${rest}\n`);
        partial.delete(e.vertex);
        write(e.type === 'done' ? `#${e.vertex} DONE ${e.seconds.toFixed(1)}s\n` : `#${e.vertex} ERROR: ${e.message}\n`);
        break;
      }
      case 'warning':
        write(`WARNING: ${e.text}\n`);
        break;
    }
  };
}

interface Step {
  name: string;
  began: number;
  state: 'running' | 'cached' | 'done' | 'error';
  seconds?: number;
  /** The last lines of its output, shown while it runs. */
  tail: string[];
  partial: string;
  error?: string;
}

const TAIL_LINES = 6;

/** The terminal view; `finish()` draws the last frame. */
export function ttyRenderer(write: (text: string) => void, columns: () => number): { render: (e: BuildEvent) => void; finish: () => void } {
  const began = performance.now();
  const steps = new Map<number, Step>();
  const warnings: string[] = [];
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;

  const fit = (line: string): string => {
    const width = Math.max(20, columns());
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  };
  const frame = (final: boolean): string[] => {
    const all = [...steps.values()];
    const finished = all.filter((s) => s.state !== 'running').length;
    const elapsed = (performance.now() - began) / 1000;
    const lines = [`[+] Building ${elapsed.toFixed(1)}s (${finished}/${all.length})${final ? ' FINISHED' : ''}`];
    for (const s of steps.values()) {
      const time = s.state === 'running' ? (performance.now() - s.began) / 1000 : (s.seconds ?? 0);
      const head = ` => ${s.state === 'cached' ? 'CACHED ' : s.state === 'error' ? 'ERROR ' : ''}${s.name}`;
      lines.push(fit(`${head.padEnd(Math.max(head.length + 1, Math.min(columns(), 100) - 7))}${time.toFixed(1)}s`));
      if (s.state === 'running' || s.state === 'error') for (const t of s.tail) lines.push(fit(` => => # ${t}`));
      if (s.error) lines.push(fit(` => => ERROR: ${s.error}`));
    }
    return lines;
  };
  const draw = (final = false): void => {
    const lines = frame(final);
    // Up to the top of the last frame, then every line rewritten and cleared to its end.
    write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\r${l}\x1b[K\n`).join('')}\x1b[J`);
    drawn = lines.length;
  };
  const schedule = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      draw();
    }, 100);
  };

  return {
    render(e) {
      switch (e.type) {
        case 'start':
          steps.set(e.vertex, { name: e.name, began: performance.now(), state: 'running', tail: [], partial: '' });
          break;
        case 'log': {
          const s = steps.get(e.vertex);
          if (!s) break;
          const lines = (s.partial + e.data.toString()).split('\n');
          s.partial = lines.pop() as string;
          s.tail = [...s.tail, ...lines.map((l) => l.replace(/\r$/, ''))].slice(-TAIL_LINES);
          break;
        }
        case 'status': {
          const s = steps.get(e.vertex);
          if (s) s.tail = [...s.tail, e.text].slice(-TAIL_LINES);
          break;
        }
        case 'cached':
        case 'done':
        case 'error': {
          const s = steps.get(e.vertex);
          if (!s) break;
          s.state = e.type;
          if (e.type !== 'cached') s.seconds = e.seconds;
          if (e.type === 'error') s.error = e.message;
          break;
        }
        case 'warning':
          warnings.push(e.text);
          break;
      }
      if (!finished) schedule();
    },
    finish() {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      draw(true);
      for (const w of warnings) write(`WARNING: ${w}\n`);
    },
  };
}
