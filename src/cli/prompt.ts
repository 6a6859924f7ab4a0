// Docker's confirmation prompt for destructive commands (prune): only "y" or "yes" goes on.
import { createInterface } from 'node:readline/promises';

export async function confirm(warning: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${warning}\nAre you sure you want to continue? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Asks for one line; `hidden` (a password) turns the terminal's echo off while it is typed. */
export async function ask(question: string, opts: { hidden?: boolean } = {}): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (opts.hidden) {
    // readline echoes what it reads through _writeToOutput; print only the question.
    const r = rl as unknown as { _writeToOutput: (s: string) => void };
    const write = r._writeToOutput.bind(rl);
    r._writeToOutput = (s: string) => {
      if (s.startsWith(question)) write(question);
    };
  }
  try {
    return await rl.question(question);
  } finally {
    if (opts.hidden) process.stdout.write('\n');
    rl.close();
  }
}
