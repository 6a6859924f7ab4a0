// `stats`: resource usage of a running container read from its cgroup (v1, hybrid or v2), in the
// shape of the Docker Engine API's /containers/{id}/stats.
// STUB: to be written (helper B).
import { BerthError } from '../errdefs/index.ts';

export type ContainerStats = Record<string, unknown>;

/** `cgroupsPath` is the spec's cgroupsPath (`/berth/<id>`). */
export function readContainerStats(cgroupsPath: string): Promise<ContainerStats> {
  void cgroupsPath;
  return Promise.reject(new BerthError('Internal', 'stats: not implemented'));
}
