// RemoteEngine: the Engine interface over a daemon's Docker Engine API (podman's "tunnel" engine).
// The CLI drives it exactly as it drives the LocalEngine, so both modes print the same things.
import type { AuthService, BuilderService, Engine, EventService, ManifestService, NetworkService, SystemService, VolumeService } from '../../engine/index.ts';
import { ApiClient, remoteOnly, type ClientOptions } from './transport.ts';
import { RemoteImages } from './images.ts';
import { RemoteContainers } from './containers.ts';
import { remoteAuth, remoteEvents, remoteNetworks, remoteSystem, remoteVolumes } from './objects.ts';
import { remoteBuilder } from './builder.ts';

/** Docker's API has no manifest-list endpoints: these stay local operations. */
function remoteManifests(): ManifestService {
  const refuse = (): Promise<never> => Promise.reject(remoteOnly('manifest lists'));
  return { create: refuse, add: refuse, annotate: refuse, inspect: refuse, remove: refuse, push: refuse };
}

export class RemoteEngine implements Engine {
  readonly images: RemoteImages;
  readonly containers: RemoteContainers;
  readonly volumes: VolumeService;
  readonly networks: NetworkService;
  readonly builder: BuilderService;
  readonly system: SystemService;
  readonly auth: AuthService;
  readonly manifests: ManifestService = remoteManifests();
  readonly events: EventService;
  private readonly api: ApiClient;

  constructor(opts: ClientOptions) {
    this.api = new ApiClient(opts);
    this.images = new RemoteImages(this.api);
    this.containers = new RemoteContainers(this.api);
    this.volumes = remoteVolumes(this.api);
    this.networks = remoteNetworks(this.api);
    this.builder = remoteBuilder(this.api);
    this.system = remoteSystem(this.api);
    this.auth = remoteAuth(this.api);
    this.events = remoteEvents(this.api);
  }

  async close(): Promise<void> {
    this.api.close();
  }
}
