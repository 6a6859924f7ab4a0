// LocalEngine: the engine in-process, over berth's store under --root (daemonless mode).
import { ImageStore, checkStore, diskUsage } from '../store/index.ts';
import { resetRoot } from './reset.ts';
import { LocalContainerService } from './containers.ts';
import { LocalBuilderService } from './build.ts';
import { LocalVolumeService } from './volumes.ts';
import { LocalNetworkService } from './networks.ts';
import { LocalImageService } from './images.ts';
import { authService } from './registry.ts';
import { eventLog } from './events.ts';
import { dockerDiskUsage } from './disk-usage.ts';
import { manifestService } from './manifest-lists.ts';
import type { AuthService, BuilderService, Engine, EventService, ManifestService, NetworkService, SystemService, VolumeService } from './types.ts';

export interface LocalEngineOptions {
  root: string;
  /** argv that runs berth's CLI, so conmon can call `berth container cleanup` when a container exits. */
  berthCommand?: string[];
}

export class LocalEngine implements Engine {
  readonly images: LocalImageService;
  readonly containers: LocalContainerService;
  readonly system: SystemService;
  readonly auth: AuthService = authService();
  readonly manifests: ManifestService;
  readonly builder: BuilderService;
  readonly volumes: VolumeService;
  readonly networks: NetworkService;
  readonly events: EventService;
  readonly store: ImageStore;

  private constructor(store: ImageStore, opts: LocalEngineOptions) {
    this.store = store;
    this.containers = new LocalContainerService(store, { berthCommand: opts.berthCommand });
    this.images = new LocalImageService(store, this.containers);
    this.manifests = manifestService(store);
    this.builder = new LocalBuilderService(store, this.containers, this.images);
    this.volumes = new LocalVolumeService(this.containers);
    this.networks = new LocalNetworkService(this.containers.networks, store.root, this.containers);
    this.events = eventLog(store.root);
    this.system = {
      df: async () => diskUsage(await store.document()),
      diskUsage: (types) => dockerDiskUsage({ store, containers: this.containers, images: this.images, volumes: this.volumes }, types),
      // Containers first: a repair there can release what the store check then judges.
      check: async (o) => [...(await this.containers.check(o.repair)), ...(await checkStore(store, o))],
      reset: () => resetRoot(store.root, this.containers, this.volumes),
    };
  }

  static async open(opts: LocalEngineOptions): Promise<LocalEngine> {
    return new LocalEngine(await ImageStore.open(opts.root), opts);
  }

  async close(): Promise<void> {}
}
