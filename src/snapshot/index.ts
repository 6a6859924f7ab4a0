export { OverlaySnapshotter, type RootfsPaths } from './overlay.ts';
