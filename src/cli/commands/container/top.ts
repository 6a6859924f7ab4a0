// `berth top`. STUB: to be written.
import type { Command } from '../../command.ts';
import { StatusError } from '../../command.ts';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'top',
  flags: [],
  run() {
    return Promise.reject(new StatusError(1, 'top: not implemented'));
  },
};
