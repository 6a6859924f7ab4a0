export { ANONYMOUS_LABEL, VolumeStore, type VolumeRecord } from './store.ts';
