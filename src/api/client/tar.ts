// A directory as a tar stream (GNU tar, numeric owners): an import or a build context sent to a
// daemon. With `only`, just those paths (relative to the directory, no recursion into them).
import { PassThrough, type Readable } from 'node:stream';
import { childProcess } from '../../sys/index.ts';

export function directoryTar(dir: string, only?: string[]): Readable {
  const out = new PassThrough();
  const args = only ? ['--numeric-owner', '--no-recursion', '--null', '-C', dir, '-cf', '-', '-T', '-'] : ['--numeric-owner', '-C', dir, '-cf', '-', '.'];
  const tar = childProcess().spawn('tar', args, { stdio: [only ? 'pipe' : 'ignore', 'pipe', 'inherit'] });
  if (only) tar.stdin?.end(only.map((p) => `${p}\0`).join(''));
  tar.stdout?.pipe(out);
  tar.on('close', (code) => code === 0 || out.destroy(new Error(`tar of ${dir} failed (exit ${code})`)));
  return out;
}
