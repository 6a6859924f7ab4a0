// A directory as a tar stream (GNU tar, numeric owners): an import or a build context sent to a daemon.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';

export function directoryTar(dir: string): Readable {
  const out = new PassThrough();
  const tar = spawn('tar', ['--numeric-owner', '-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  tar.stdout.pipe(out);
  tar.on('close', (code) => code === 0 || out.destroy(new Error(`tar of ${dir} failed (exit ${code})`)));
  return out;
}
