// What a CLI command is: its usage line, flags and a run function over the Engine.
import type { FlagSpec, FlagValues } from './args.ts';
import type { Engine } from '../engine/index.ts';

export interface Context {
  /** berth's state directory (--root, $BERTH_ROOT, /var/lib/berth). */
  root: string;
  /** The command path as typed, for help hints ("image ls"). */
  path: string;
  out(text: string): void;
  err(text: string): void;
  engine(): Promise<Engine>;
}

export interface Command {
  usage: string;
  summary: string;
  flags: FlagSpec[];
  minArgs?: number;
  maxArgs?: number;
  /** Flags end at the first argument (`run IMAGE CMD --its-own-flag`). */
  stopAtFirstArg?: boolean;
  /** Works on the local store even when a daemon is named (--host): what conmon runs, for one. */
  localOnly?: boolean;
  /** The process exits as soon as the command returns, whatever is still pending (a daemon's leftovers). */
  exitWhenDone?: boolean;
  /** Returns the exit code (0 when omitted). */
  run(ctx: Context, flags: FlagValues, args: string[]): Promise<number | void>;
}

/** An error that carries the exit status the CLI must end with (docker/cli's StatusError). */
export class StatusError extends Error {
  readonly status: number;
  constructor(status: number, message = '') {
    super(message);
    this.status = status;
  }
}
