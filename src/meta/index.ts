export { writeFileAtomic, writeFileThroughTemp, writeStreamThroughTemp, writeFully, readFileIfExists } from './atomic.ts';
export { withLock, holdShared, isHeld } from './lock.ts';
export { ImageMeta, type ImageRecord, type LayerRecord, type ImagesDocument } from './images.ts';
export { JsonDocument } from './document.ts';
export {
  ContainerMeta, type ContainerRecord, type ContainerState, type ContainerStatus, type ContainerConfig, type HostConfig, type MountSpec, type NetworkAttachment, type NetworkSettings, type PortBinding, type ContainersDocument,
} from './containers.ts';
