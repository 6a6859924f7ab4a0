export { VolumeStore, type VolumeRecord } from './store.ts';
