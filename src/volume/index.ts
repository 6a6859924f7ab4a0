export { VolumeStore, type VolumeObserver, type VolumeRecord } from './store.ts';
