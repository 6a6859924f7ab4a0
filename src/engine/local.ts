// LocalEngine: the engine in-process, over berth's store under --root (daemonless mode).
import { ImageStore, checkStore, diskUsage } from '../store/index.ts';
import { LocalImageService } from './images.ts';
import type { Engine, SystemService } from './types.ts';

export class LocalEngine implements Engine {
  readonly images: LocalImageService;
  readonly system: SystemService;
  readonly store: ImageStore;

  private constructor(store: ImageStore) {
    this.store = store;
    this.images = new LocalImageService(store);
    this.system = {
      df: async () => diskUsage(await store.document()),
      check: (opts) => checkStore(store, opts),
    };
  }

  static async open(opts: { root: string }): Promise<LocalEngine> {
    return new LocalEngine(await ImageStore.open(opts.root));
  }

  async close(): Promise<void> {}
}
