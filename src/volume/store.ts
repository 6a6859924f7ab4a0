// Named volumes (Docker's `local` driver): a record per volume in meta/volumes.json and its data
// under volumes/NAME/_data. A volume with `type`/`device`/`o` options has no data directory of its
// own: it is mounted from the device with those options where a container uses it.
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidArgument, notFound } from '../errdefs/index.ts';
import { JsonDocument } from '../meta/index.ts';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  /** The local driver's options: type, device, o. */
  Options: Record<string, string>;
  Scope: 'local';
  /** Made for a container (an image's VOLUME, `-v /path`): removed with it by `rm -v`, and by `volume prune`. */
  Anonymous?: boolean;
  /** The image's content was copied in (Docker does it once, into a new empty volume). */
  Populated?: boolean;
}

interface VolumesDocument {
  volumes: Record<string, VolumeRecord>;
}

const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** Docker's rule for volume names. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const OPTIONS = ['type', 'device', 'o'];

/** Told of each volume made or removed (the engine records them as events). */
export type VolumeObserver = (action: 'create' | 'destroy', name: string) => void;

export class VolumeStore {
  private readonly root: string;
  private readonly doc: JsonDocument<VolumesDocument>;
  private readonly observe: VolumeObserver;

  constructor(root: string, observe: VolumeObserver = () => undefined) {
    this.root = root;
    this.observe = observe;
    this.doc = new JsonDocument<VolumesDocument>(root, 'volumes', () => ({ volumes: {} }), (raw) => JSON.parse(raw.toString()) as VolumesDocument);
  }

  private dataDir(name: string): string {
    return join(this.root, 'volumes', name, '_data');
  }

  /** Creates a volume (a random 64-hex name when none is given); an existing one with that name is returned as it is, as Docker does. */
  async create(o: { name?: string; labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean } = {}): Promise<VolumeRecord> {
    const name = o.name ?? randomBytes(32).toString('hex');
    if (!NAME.test(name)) throw invalidArgument(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    for (const k of Object.keys(o.options ?? {})) if (!OPTIONS.includes(k)) throw invalidArgument(`create ${name}: invalid option key: "${k}"`);
    const options = o.options ?? {};
    if (Object.keys(options).length > 0 && (!options.type || !options.device)) throw invalidArgument(`create ${name}: missing required option: "type" and "device" go together`);
    // Docker labels a volume made without a name as anonymous (and `volume prune` takes those).
    const anonymous = o.name === undefined || o.anonymous === true;
    const rec: VolumeRecord = {
      Name: name,
      Driver: 'local',
      Mountpoint: this.dataDir(name),
      CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      Labels: { ...(o.name === undefined ? { [ANONYMOUS_LABEL]: '' } : {}), ...(o.labels ?? {}) },
      Options: options,
      Scope: 'local',
      ...(anonymous ? { Anonymous: true } : {}),
    };
    await mkdir(rec.Mountpoint, { recursive: true, mode: 0o755 });
    const stored = await this.doc.update((d) => {
      const had = d.volumes[name];
      if (had) return had;
      d.volumes[name] = rec;
      return rec;
    });
    if (stored === rec) this.observe('create', name);
    return stored;
  }

  async get(name: string): Promise<VolumeRecord> {
    const rec = (await this.doc.read()).volumes[name];
    if (!rec) throw notFound(`get ${name}: no such volume`, name);
    return rec;
  }

  async list(): Promise<VolumeRecord[]> {
    return Object.values((await this.doc.read()).volumes).sort((a, b) => a.Name.localeCompare(b.Name));
  }

  /** Removes the record and the data; `inUse` says who still uses it (then nothing is removed). */
  async remove(name: string, inUse: (name: string) => Promise<string[]>): Promise<void> {
    await this.get(name);
    const users = await inUse(name);
    if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`, name);
    await this.doc.update((d) => {
      delete d.volumes[name];
    });
    await rm(join(this.root, 'volumes', name), { recursive: true, force: true });
    this.observe('destroy', name);
  }

  /** Notes that the image's content was copied into the volume. */
  async markPopulated(name: string): Promise<void> {
    await this.doc.update((d) => {
      const rec = d.volumes[name];
      if (rec) rec.Populated = true;
    });
  }

  /** True when the volume's directory holds nothing (copying the image's content in is allowed then). */
  async isEmpty(name: string): Promise<boolean> {
    return (await readdir(this.dataDir(name)).catch(() => [])).length === 0;
  }

  dataPath(name: string): string {
    return this.dataDir(name);
  }

  /** The bytes of a volume's files (not its directories), as Docker counts for prune. */
  size(name: string): number {
    let total = 0;
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else total += lstatSync(p).size;
      }
    };
    try {
      walk(this.dataDir(name));
    } catch {
      // gone meanwhile: nothing to count
    }
    return total;
  }
}
