export { cniAdd, cniDel, type CniArgs, type CniResult, type Conflist } from './cni.ts';
export { createNetns, deleteNetns, netnsPath } from './netns.ts';
export { DEFAULT_NETWORK, NetworkStore, type NetworkRecord } from './store.ts';
