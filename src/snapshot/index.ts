export { OverlaySnapshotter } from './overlay.ts';
export { CopySnapshotter } from './copy.ts';
export { chooseSnapshotter, overlayWorks, snapshotterFor, type SnapshotterName } from './choose.ts';
export type { LayerSource, RootfsPaths, Snapshotter } from './types.ts';
