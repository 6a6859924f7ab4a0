// The Dockerfile as the builder sees it, in two levels: the parser's `Node`s (the file split into
// instructions, continuations joined, heredocs collected, nothing expanded) and the typed
// `Command`s made from them (each instruction's arguments in their own fields, still unexpanded:
// variables are substituted while the build runs, when their values are known).

/** Where an instruction is, for messages: `Dockerfile:12: COPY …`. */
export interface Location {
  /** The Dockerfile's name as the user gave it (`Dockerfile`, `-` for stdin). */
  file: string;
  /** 1-based lines of the instruction's first and last line. */
  startLine: number;
  endLine: number;
}

/** A here-document: `RUN <<EOF` … `EOF`. */
export interface Heredoc {
  name: string;
  /** The body, with its final newline, without the closing delimiter line. */
  content: string;
  /** False when the delimiter was quoted (`<<'EOF'`, `<<"EOF"`): the body is not expanded. */
  expand: boolean;
  /** `<<-EOF`: leading tabs were removed from each body line. */
  stripTabs: boolean;
}

/** One instruction as written. */
export interface Node {
  /** Upper-case keyword: `RUN`, `COPY`, … */
  keyword: string;
  /** Continuations joined into one line, as build progress shows the step (`RUN apt-get update && …`). */
  original: string;
  /**
   * Leading `--name[=value]` flags as written, in order (e.g. `--from=build`, `--link`); only for FROM,
   * RUN, COPY, ADD and HEALTHCHECK. As in BuildKit, quotes are removed and backslash escapes resolved
   * (`--chown="a b"` → `--chown=a b`).
   */
  flags: string[];
  /** The text after the keyword and flags, continuations joined (escape + newline removed), trimmed. */
  rest: string;
  heredocs: Heredoc[];
  location: Location;
}

export interface ParsedDockerfile {
  /** The escape character (`# escape=` directive; default backslash). */
  escape: '\\' | '`';
  /** Parser directives at the top of the file (`syntax`, `escape`, `check`), lower-case names. */
  directives: Record<string, string>;
  nodes: Node[];
  /** Things a user should hear about that do not stop the build (e.g. an empty continuation line). */
  warnings: string[];
}

/** An argument that is either exec form (a JSON array) or shell form (one string for the shell). */
export type CommandLine = { exec: string[] } | { shell: string };

export interface KeyValue {
  /** As written, quotes and escapes included: expanded (and unquoted) while the build runs. */
  key: string;
  value: string;
}

/** `--mount=…` of RUN, its options as written (`type=cache,target=/root/.cache`). */
export type MountSpec = Record<string, string>;

interface Base {
  node: Node;
}

export type Command =
  | (Base & { kind: 'FROM'; image: string; stageName?: string; platform?: string })
  | (Base & { kind: 'RUN'; command: CommandLine; mounts: MountSpec[]; network?: string; security?: string })
  | (Base & { kind: 'CMD' | 'ENTRYPOINT'; command: CommandLine })
  | (Base & { kind: 'ENV' | 'LABEL'; pairs: KeyValue[] })
  | (Base & { kind: 'ARG'; args: { name: string; value?: string }[] })
  | (Base & {
      kind: 'COPY' | 'ADD';
      /** Sources as written (before expansion); for heredocs, the heredoc names with `content` in node.heredocs. */
      sources: string[];
      dest: string;
      from?: string;
      chown?: string;
      chmod?: string;
      link: boolean;
      /** ADD only. */
      checksum?: string;
      keepGitDir?: boolean;
      /** COPY --parents, --exclude (recognised, applied when supported). */
      parents: boolean;
      exclude: string[];
    })
  | (Base & { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL'; value: string })
  | (Base & { kind: 'EXPOSE'; ports: string[] })
  | (Base & { kind: 'VOLUME'; paths: string[] })
  | (Base & { kind: 'SHELL'; shell: string[] })
  | (Base & { kind: 'ONBUILD'; /** The trigger instruction's text, as the image config keeps it. */ trigger: string })
  | (Base & {
      kind: 'HEALTHCHECK';
      /** undefined for `HEALTHCHECK NONE`. */
      test?: CommandLine;
      interval?: string;
      timeout?: string;
      startPeriod?: string;
      startInterval?: string;
      retries?: number;
    })
  | (Base & { kind: 'MAINTAINER'; value: string });

/** The instructions from one FROM up to the next. */
export interface Stage {
  /** 0-based position in the file. */
  index: number;
  /** `AS name`, lower-cased as BuildKit does. */
  name?: string;
  from: Extract<Command, { kind: 'FROM' }>;
  commands: Command[];
}

export interface Dockerfile {
  escape: '\\' | '`';
  directives: Record<string, string>;
  /** ARGs before the first FROM (usable in FROM lines; redeclared in a stage to be used there). */
  globalArgs: Extract<Command, { kind: 'ARG' }>[];
  stages: Stage[];
  warnings: string[];
}
