export { cniAdd, cniDel, CNI_PATHS, type CniArgs, type CniResult, type Conflist } from './cni.ts';
export { createNetns, deleteNetns, netnsPath, NETNS_DIR } from './netns.ts';
export { DEFAULT_NETWORK, NetworkStore, type NetworkRecord } from './store.ts';
