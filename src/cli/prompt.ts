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
