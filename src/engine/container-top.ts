// `top`: the processes of a running container, as `ps` shows them on the host (Docker's way:
// run ps with the user's options, keep the rows whose PID is in the container's cgroup).
// STUB: to be written (helper B).
import { BerthError } from '../errdefs/index.ts';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** `cgroupsPath` is the spec's cgroupsPath (`/berth/<id>`); `psArgs` as `docker top` passes them (default `-ef`). */
export function containerTop(cgroupsPath: string, psArgs: string): Promise<TopResult> {
  void cgroupsPath;
  void psArgs;
  return Promise.reject(new BerthError('Internal', 'top: not implemented'));
}
