// The volume service: `volume create/ls/inspect/rm/prune` over the volume store, knowing which
// containers use which volume.
import { invalidArgument, isKind } from '../errdefs/index.ts';
import type { VolumeRecord, VolumeStore } from '../volume/index.ts';
import { matchLabel } from './filters.ts';
import type { LocalContainerService } from './containers.ts';
import type { Volume, VolumeService } from './types.ts';

function shown(v: VolumeRecord): Volume {
  return { Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, CreatedAt: v.CreatedAt, Labels: v.Labels, Options: v.Options, Scope: v.Scope };
}

export class LocalVolumeService implements VolumeService {
  private readonly store: VolumeStore;
  private readonly containers: LocalContainerService;

  constructor(containers: LocalContainerService) {
    this.containers = containers;
    this.store = containers.volumes;
  }

  async create(o: { name?: string; labels?: Record<string, string>; driver?: string; options?: Record<string, string> } = {}): Promise<Volume> {
    if (o.driver !== undefined && o.driver !== 'local') throw invalidArgument(`create ${o.name ?? ''}: error looking up volume plugin ${o.driver}: plugin "${o.driver}" not found`);
    return shown(await this.store.create({ name: o.name, labels: o.labels, options: o.options }));
  }

  async list(filters: Record<string, string[]> = {}): Promise<Volume[]> {
    const all = await this.store.list();
    const used = new Set<string>();
    for (const v of all) if ((await this.containers.volumeUsers(v.Name)).length > 0) used.add(v.Name);
    return all
      .filter((v) => {
        for (const [key, values] of Object.entries(filters)) {
          for (const value of values) {
            if (key === 'name' && !v.Name.includes(value)) return false;
            if (key === 'label' && !matchLabel(v.Labels, value)) return false;
            if (key === 'driver' && v.Driver !== value) return false;
            if (key === 'dangling' && (value === 'true' || value === '1') === used.has(v.Name)) return false;
            if (!['name', 'label', 'driver', 'dangling'].includes(key)) throw invalidArgument(`invalid filter '${key}'`);
          }
        }
        return true;
      })
      .map(shown);
  }

  async inspect(name: string): Promise<Volume> {
    return shown(await this.store.get(name));
  }

  async remove(name: string): Promise<void> {
    await this.store.remove(name, (n) => this.containers.volumeUsers(n));
  }

  async prune(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of await this.store.list()) {
      if (!opts.all && !v.Anonymous) continue; // Docker 23+: named volumes only with --all
      if (!(opts.filters?.label ?? []).every((l) => matchLabel(v.Labels, l))) continue;
      if ((opts.filters?.['label!'] ?? []).some((l) => matchLabel(v.Labels, l))) continue;
      if ((await this.containers.volumeUsers(v.Name)).length > 0) continue;
      const size = this.store.size(v.Name);
      try {
        await this.store.remove(v.Name, (n) => this.containers.volumeUsers(n));
      } catch (err) {
        if (isKind(err, 'Conflict') || isKind(err, 'NotFound')) continue;
        throw err;
      }
      deleted.push(v.Name);
      reclaimed += size;
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }
}
