// `berth cp`. STUB: to be written.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'cp',
  flags: [],
  run() {
    return Promise.reject(new StatusError(1, 'cp: not implemented'));
  },
};
