export { compileTemplate, goJson, goString, type Template } from './template.ts';
export { renderList, tabwrite, type ListOptions } from './table.ts';
export { humanSize, bytesSize, humanDuration, parseBytes, truncateId, goTime, jsonIndent } from './units.ts';
