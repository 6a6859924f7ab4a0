// Docker's progress display for pull and push (docker/cli's jsonmessage): on a terminal, one line
// per layer rewritten in place with a bar; otherwise one line each time a status changes; as
// JSON lines with `--format json`, for programs to follow.
import type { ProgressMessage } from '../engine/index.ts';
import { humanSize } from './format/index.ts';

export type ProgressMode = 'tty' | 'lines' | 'json' | 'quiet';

export function progressMode(opts: { quiet?: boolean; json?: boolean }): ProgressMode {
  if (opts.quiet) return 'quiet';
  if (opts.json) return 'json';
  return process.stdout.isTTY ? 'tty' : 'lines';
}

export function progressRenderer(mode: ProgressMode, out: (text: string) => void): (m: ProgressMessage) => void {
  if (mode === 'quiet') return () => undefined;
  if (mode === 'json') return (m) => out(`${JSON.stringify(m)}\n`);
  if (mode === 'lines') {
    const last = new Map<string, string>();
    return (m) => {
      if (!m.id) return out(`${m.status}\n`);
      if (last.get(m.id) === m.status) return; // a new line only when the status changes
      last.set(m.id, m.status);
      out(`${m.id}: ${m.status}\n`);
    };
  }
  // On a terminal: each id keeps its line; a message for it moves the cursor up to that line.
  const lines: string[] = [];
  return (m) => {
    if (!m.id) {
      out(`${m.status}\n`);
      lines.length = 0; // lines above a plain message are never rewritten
      return;
    }
    const text = `${m.id}: ${m.status}${m.progressDetail?.total ? ` ${bar(m.progressDetail.current ?? 0, m.progressDetail.total)}` : ''}`;
    const row = lines.indexOf(m.id);
    if (row === -1) {
      lines.push(m.id);
      out(`${text}\n`);
      return;
    }
    const up = lines.length - row;
    out(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
  };
}

function bar(current: number, total: number): string {
  const width = 50;
  const filled = Math.max(0, Math.min(width, Math.floor((current / total) * width)));
  const arrow = filled < width ? '>' : '';
  return `[${'='.repeat(Math.max(0, filled - (arrow ? 1 : 0)))}${arrow}${' '.repeat(width - Math.max(filled, arrow ? 1 : 0))}]  ${humanSize(current)}/${humanSize(total)}`;
}
