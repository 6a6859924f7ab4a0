export type * from './types.ts';
export { LocalEngine } from './local.ts';
export { filterFlags } from './filters.ts';
export { humanDuration, statusText } from './container-view.ts';
