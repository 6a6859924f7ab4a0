// Runs a parsed Dockerfile: the stages the target needs, started together (each waits only for the
// stages it reads), each instruction applied to the stage's state — an image in the store and the
// config being built on it. Steps that make a layer (RUN, COPY, ADD, WORKDIR's directory) are
// cached by a key that chains the parent state, the instruction after substitution and the
// content of the files it reads; metadata steps only change the config, which is written once at
// the end. Times are the stage's epoch (SOURCE_DATE_EPOCH, else the base image's creation time),
// and every layer's mtimes are clamped to it, so the same inputs give the same image digest.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import type { Digest } from '../content/index.ts';
import { BerthError, invalidArgument } from '../errdefs/index.ts';
import { formatPlatform, hostPlatform, parsePlatform, type ImageConfig, type RunConfig } from '../image/index.ts';
import { DEFAULT_PATH, resolveUser } from '../runtime/index.ts';
import { parseDuration, toDockerfile } from './commands.ts';
import type { BuildContext, Source } from './context.ts';
import { copyInto, ensureDirectory, resolveChown, type CopyItem } from './copy.ts';
import { Progress, type BuildEventSink, type Vertex } from './events.ts';
import { expandWord } from './expand.ts';
import { IgnoreMatcher } from './patterns.ts';
import { fetchUrl } from './fetch.ts';
import { parseDockerfile } from './parse.ts';
import { MountFiles, runMount, type ContainerMount, type RunMount } from './run-mounts.ts';
import { sourcesInRoot } from './sources.ts';
import type { Command, CommandLine, Dockerfile, Stage } from './syntax.ts';
import type { BuildWorker, RunStep, WorkingContainer } from './worker.ts';

export interface BuildRequest {
  dockerfile: Dockerfile;
  context: BuildContext;
  /** Names for the result. */
  tags: string[];
  target?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  noCache: boolean;
  /** Pull base images even when they are in the store. */
  pull: boolean;
  /** RUN's network: none unless asked. */
  network: 'none' | 'host';
  platform?: string;
  /** Seconds; overrides SOURCE_DATE_EPOCH from the build args. */
  sourceDateEpoch?: number;
  onEvent: BuildEventSink;
  signal?: AbortSignal;
  /** `--secret`: id → host file. */
  secrets: Record<string, string>;
}

export interface BuildResult {
  id: Digest;
}

/** Build args every build has (BuildKit's automatic platform args and the proxy variables). */
const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
const HISTORY_COMMENT = 'berth.dockerfile.v0';

interface State {
  /** The last image stored for this stage (its layers); undefined while a scratch stage has none. */
  image: Digest | undefined;
  config: ImageConfig;
  /** Cache key of this state: chains every step so far. */
  key: string;
  /** The config changed since `image` was stored. */
  dirty: boolean;
}

interface StageResult {
  state: State;
  epoch: number;
}

function hashKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function isoTime(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
}

/** A RUN whose process exited non-zero, on the error (or its cause): what the classic builder's message names. */
export interface RunFailure {
  command: string;
  code: number;
}

/** The step's failure as Docker prints it, with the exit status `docker build` gives (1). */
function buildFailure(message: string, cause?: unknown): BerthError {
  return new BerthError('FailedPrecondition', message, { exitStatus: 1, cause });
}

function envMap(env: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of env ?? []) {
    const eq = kv.indexOf('=');
    m.set(eq === -1 ? kv : kv.slice(0, eq), eq === -1 ? '' : kv.slice(eq + 1));
  }
  return m;
}

/** Sets a variable as Docker does: in its place when it is already there, else at the end. */
function setEnv(c: RunConfig, key: string, value: string): void {
  const env = [...(c.Env ?? [])];
  const at = env.findIndex((kv) => kv.split('=', 1)[0] === key);
  if (at === -1) env.push(`${key}=${value}`);
  else env[at] = `${key}=${value}`;
  c.Env = env;
}

/** A HEALTHCHECK duration flag in nanoseconds (the parser has checked its form). */
function durationNs(text: string, what: string): number {
  const ns = parseDuration(text);
  if (ns === undefined) throw invalidArgument(`HEALTHCHECK ${what}: invalid duration ${JSON.stringify(text)}`);
  return ns;
}

class Builder {
  private readonly worker: BuildWorker;
  private readonly req: BuildRequest;
  private readonly df: Dockerfile;
  private readonly progress: Progress;
  private readonly stages = new Map<number, Promise<StageResult>>();
  private readonly usedArgs = new Set<string>();
  private readonly platformArgs: Record<string, string>;
  private readonly globalArgs = new Map<string, string | undefined>();
  /** The layer steps of this build, for --cache-to. */
  private readonly steps: { key: string; id: Digest }[] = [];

  constructor(worker: BuildWorker, req: BuildRequest) {
    this.worker = worker;
    this.req = req;
    this.df = req.dockerfile;
    this.progress = new Progress(req.onEvent);
    const host = hostPlatform();
    const target = req.platform ? parsePlatform(req.platform) : host;
    if (formatPlatform(target) !== formatPlatform(host)) throw invalidArgument(`berth builds for the host's platform only (${formatPlatform(host)}), not ${req.platform ?? ''}`);
    const p = (prefix: string, pl: typeof host): Record<string, string> => ({
      [`${prefix}PLATFORM`]: formatPlatform(pl),
      [`${prefix}OS`]: pl.os,
      [`${prefix}ARCH`]: pl.architecture,
      [`${prefix}VARIANT`]: pl.variant ?? '',
    });
    this.platformArgs = { ...p('TARGET', target), ...p('BUILD', host) };
    for (const [k, v] of Object.entries(this.platformArgs)) this.globalArgs.set(k, v);
    for (const arg of this.df.globalArgs) {
      for (const a of arg.args) {
        const given = this.buildArg(a.name);
        this.globalArgs.set(a.name, given ?? (a.value === undefined ? undefined : this.expand(a.value, this.definedGlobals())));
      }
    }
  }

  private buildArg(name: string): string | undefined {
    if (Object.hasOwn(this.req.buildArgs, name)) {
      this.usedArgs.add(name);
      return this.req.buildArgs[name];
    }
    return undefined;
  }

  private definedGlobals(): Map<string, string> {
    return new Map([...this.globalArgs].filter((e): e is [string, string] => e[1] !== undefined));
  }

  private expand(word: string, vars: Map<string, string>): string {
    return expandWord(word, vars, this.df.escape);
  }

  /** The stage a name or index refers to, if it is one declared before `before`. */
  private stageRef(ref: string, before: number): Stage | undefined {
    const lower = ref.toLowerCase();
    const s = this.df.stages.find((x) => x.name === lower) ?? (/^\d+$/.test(ref) ? this.df.stages[Number(ref)] : undefined);
    return s && s.index < before ? s : undefined;
  }

  /** The classic builder's step number of a stage's instruction (0: its FROM), counting from the file's first line. */
  private stepOf(stage: Stage, i: number): number {
    const before = this.df.stages.slice(0, stage.index).reduce((n, s) => n + 1 + s.commands.length, 0);
    return this.df.globalArgs.length + before + i + 1;
  }

  private get totalSteps(): number {
    return this.stepOf(this.df.stages.at(-1) as Stage, (this.df.stages.at(-1) as Stage).commands.length + 1) - 1;
  }

  /** Runs `fn` as the classic builder's step `step`: announced before, and the image after. */
  private async instruction<T extends { image?: string }>(step: number, text: string, fn: () => Promise<T>): Promise<T> {
    this.req.onEvent({ type: 'instruction', step, total: this.totalSteps, text });
    const r = await fn();
    this.req.onEvent({ type: 'instruction-done', step, ...(r.image ? { image: r.image } : {}) });
    return r;
  }

  async run(): Promise<BuildResult> {
    const stages = this.df.stages;
    if (stages.length === 0) throw invalidArgument('the Dockerfile has no FROM instruction: nothing to build');
    this.df.globalArgs.forEach((a, i) => {
      this.req.onEvent({ type: 'instruction', step: i + 1, total: this.totalSteps, text: a.node.original });
      this.req.onEvent({ type: 'instruction-done', step: i + 1 });
    });
    let target = stages[stages.length - 1] as Stage;
    if (this.req.target !== undefined) {
      const t = stages.find((s) => s.name === this.req.target?.toLowerCase());
      if (!t) throw invalidArgument(`failed to reach build target ${this.req.target} in Dockerfile`);
      target = t;
    }
    // Every stage the target needs starts now; each waits only for the stages it reads.
    for (const s of this.needed(target)) void this.stage(s.index).catch(() => undefined);
    const result = await this.stage(target.index);
    const unused = Object.keys(this.req.buildArgs).filter((k) => !this.usedArgs.has(k) && !PROXY_ARGS.includes(k) && k !== 'SOURCE_DATE_EPOCH');
    if (unused.length > 0) this.progress.warn(`One or more build-args [${unused.join(' ')}] were not consumed`);
    const built = await this.export(result);
    await this.worker.exportCache(this.steps);
    return built;
  }

  /** The stages `target` reads (FROM, COPY --from, RUN --mount from=), found without running anything. */
  private needed(target: Stage): Stage[] {
    const seen = new Map<number, Stage>();
    const visit = (s: Stage): void => {
      if (seen.has(s.index)) return;
      seen.set(s.index, s);
      const refs = [s.from.image, ...s.commands.flatMap((c) => (c.kind === 'COPY' || c.kind === 'ADD') && c.from ? [c.from] : c.kind === 'RUN' ? c.mounts.flatMap((m) => (m.from ? [m.from] : [])) : [])];
      for (const r of refs) {
        const dep = this.stageRef(this.expand(r, this.definedGlobals()), s.index);
        if (dep) visit(dep);
      }
    };
    visit(target);
    return [...seen.values()];
  }

  private stage(index: number): Promise<StageResult> {
    let p = this.stages.get(index);
    if (!p) {
      p = this.runStage(this.df.stages[index] as Stage);
      this.stages.set(index, p);
    }
    return p;
  }

  private async runStage(stage: Stage): Promise<StageResult> {
    const label = (n: number, total: number): string => {
      const name = this.df.stages.length > 1 ? `${stage.name ?? `stage-${stage.index}`} ` : '';
      return `[${name}${n}/${total}]`;
    };
    const ops = stage.commands.filter((c) => c.kind === 'RUN' || c.kind === 'COPY' || c.kind === 'ADD').length + 1;
    let opNo = 1;
    const from = stage.from;
    const fromRef = this.expand(from.image, this.definedGlobals());
    if (from.platform !== undefined) {
      const want = this.expand(from.platform, this.definedGlobals());
      if (want && formatPlatform(parsePlatform(want)) !== formatPlatform(hostPlatform())) throw invalidArgument(`${where(from.node)}: FROM --platform=${want}: berth builds for the host's platform only (${formatPlatform(hostPlatform())})`);
    }
    const v = this.progress.start(`${label(opNo, ops)} FROM ${fromRef}`);
    let st: StageState;
    try {
      ({ st } = await this.instruction(this.stepOf(stage, 0), from.node.original, async () => {
        const r = await this.fromState(fromRef, stage, v);
        return { st: r, image: r.state.image };
      }));
      v.done();
    } catch (err) {
      v.fail(err instanceof Error ? err.message : String(err));
      throw err;
    }
    // ONBUILD triggers of the base image run first, as if written after FROM.
    const triggers = (st.state.config.config?.OnBuild as string[] | null | undefined) ?? [];
    if (st.state.config.config && 'OnBuild' in st.state.config.config) {
      delete st.state.config.config.OnBuild;
      st.state.dirty = true;
    }
    const commands: Command[] = [];
    for (const t of triggers) {
      const parsed = toDockerfile(parseDockerfile(`FROM scratch\n${t}\n`, `ONBUILD trigger of ${fromRef}`));
      commands.push(...(parsed.stages[0]?.commands ?? []));
    }
    commands.push(...stage.commands);
    const triggerCount = commands.length - stage.commands.length;
    for (const [i, c] of commands.entries()) {
      this.req.signal?.throwIfAborted();
      const layered = c.kind === 'RUN' || c.kind === 'COPY' || c.kind === 'ADD';
      const vertex = layered ? this.progress.start(`${label(++opNo, ops)} ${c.node.original}`) : undefined;
      // ONBUILD triggers run inside their FROM step, as the classic builder ran them.
      const step = i - triggerCount + 1;
      const work = async (): Promise<{ image?: string }> => {
        await this.apply(st, c, stage, vertex);
        return { image: st.state.image };
      };
      try {
        await (step > 0 ? this.instruction(this.stepOf(stage, step), c.node.original, work) : work());
        vertex?.done();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        vertex?.fail(message);
        if (err instanceof BerthError && err.message.startsWith(where(c.node))) throw err;
        throw err instanceof BerthError ? new BerthError(err.kind, `${where(c.node)}: ${c.node.original}: ${err.message}`, { exitStatus: err.exitStatus ?? 1, cause: err }) : err;
      }
    }
    if (st.pendingDirs.length > 0) await this.makeDirectories(st);
    return { state: st.state, epoch: st.epoch };
  }

  private async fromState(ref: string, stage: Stage, v: Vertex): Promise<StageState> {
    const dep = this.stageRef(ref, stage.index);
    const fresh = (state: State, epoch: number): StageState => ({
      state,
      epoch,
      args: new Map(),
      shell: ((state.config.config?.Shell as string[] | undefined) ?? ['/bin/sh', '-c']).slice(),
      cmdSet: false,
      pendingDirs: [],
    });
    if (dep) {
      const r = await this.stage(dep.index);
      return fresh({ ...r.state, config: structuredClone(r.state.config) }, r.epoch);
    }
    const epochArg = this.req.sourceDateEpoch ?? (this.buildArg('SOURCE_DATE_EPOCH') !== undefined ? Number(this.req.buildArgs.SOURCE_DATE_EPOCH) : undefined);
    if (epochArg !== undefined && !Number.isInteger(epochArg)) throw invalidArgument(`SOURCE_DATE_EPOCH must be a number of seconds, not ${String(this.req.buildArgs.SOURCE_DATE_EPOCH)}`);
    if (ref.toLowerCase() === 'scratch') {
      const host = hostPlatform();
      const config: ImageConfig = { architecture: host.architecture, os: host.os, ...(host.variant ? { variant: host.variant } : {}), config: { Env: [`PATH=${DEFAULT_PATH}`] }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
      return fresh({ image: undefined, config, key: hashKey('scratch', formatPlatform(host), epochArg ?? 0), dirty: true }, epochArg ?? 0);
    }
    const base = await this.worker.base(ref, { pull: this.req.pull, onProgress: (line) => v.status(line) });
    const config = structuredClone(base.config);
    config.config ??= {};
    let dirty = false;
    if (!envMap(config.config.Env).has('PATH')) {
      setEnv(config.config, 'PATH', DEFAULT_PATH);
      dirty = true;
    }
    const baseEpoch = Math.floor(Date.parse(base.config.created ?? '') / 1000);
    const epoch = epochArg ?? (Number.isFinite(baseEpoch) && baseEpoch > 0 ? baseEpoch : 0);
    // The epoch is in the key: it sets every time and mtime of what the stage makes.
    return fresh({ image: base.id, config, key: hashKey('image', base.id, epoch), dirty }, epoch);
  }

  /** Variables for substitution: the stage's args, overridden by its ENV (Docker's precedence). */
  private vars(st: StageState): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of st.args) if (v !== undefined) m.set(k, v);
    for (const [k, v] of envMap(st.state.config.config?.Env)) m.set(k, v);
    return m;
  }

  /** A config-only step: change the config, record it in the history, chain the key. */
  private meta(st: StageState, c: Command, change: (rc: RunConfig, config: ImageConfig) => void, shown: string): void {
    const config = st.state.config;
    config.config ??= {};
    change(config.config, config);
    config.history = [...(config.history ?? []), { created: isoTime(st.epoch), created_by: shown, comment: HISTORY_COMMENT, empty_layer: true }];
    st.state.key = hashKey(st.state.key, c.kind, shown);
    st.state.dirty = true;
  }

  private async apply(st: StageState, c: Command, stage: Stage, vertex: Vertex | undefined): Promise<void> {
    const x = (w: string): string => this.expand(w, this.vars(st));
    switch (c.kind) {
      case 'FROM':
        throw invalidArgument('FROM inside a stage');
      case 'ARG':
        for (const a of c.args) {
          const given = this.buildArg(a.name);
          const value = given ?? (a.value !== undefined ? x(a.value) : this.globalArgs.has(a.name) ? this.globalArgs.get(a.name) : this.platformArgs[a.name]);
          st.args.set(a.name, value);
          st.state.key = hashKey(st.state.key, 'ARG', a.name, value ?? null);
        }
        return;
      case 'ENV': {
        const pairs = c.pairs.map((p) => [x(p.key), x(p.value)] as const);
        this.meta(st, c, (rc) => pairs.forEach(([k, v]) => setEnv(rc, k, v)), `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
        return;
      }
      case 'LABEL': {
        const pairs = c.pairs.map((p) => [x(p.key), x(p.value)] as const);
        this.meta(st, c, (rc) => {
          rc.Labels = { ...(rc.Labels ?? {}) };
          for (const [k, v] of pairs) rc.Labels[k] = v;
        }, `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
        return;
      }
      case 'WORKDIR': {
        const dir = posix.resolve(st.state.config.config?.WorkingDir || '/', x(c.value));
        this.meta(st, c, (rc) => (rc.WorkingDir = dir), `WORKDIR ${dir}`);
        st.pendingDirs.push({ path: dir, user: st.state.config.config?.User ?? '' });
        return;
      }
      case 'USER': {
        const user = x(c.value);
        this.meta(st, c, (rc) => (rc.User = user), `USER ${user}`);
        return;
      }
      case 'STOPSIGNAL': {
        const sig = x(c.value);
        this.meta(st, c, (rc) => (rc.StopSignal = sig), `STOPSIGNAL ${sig}`);
        return;
      }
      case 'EXPOSE': {
        const ports = c.ports.map(x).flatMap(exposedPorts);
        this.meta(st, c, (rc) => {
          rc.ExposedPorts = { ...(rc.ExposedPorts ?? {}) };
          for (const p of ports) rc.ExposedPorts[p] = {};
        }, `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]`);
        return;
      }
      case 'VOLUME': {
        const paths = c.paths.map(x).filter((p) => p !== '');
        if (paths.length === 0) throw invalidArgument('VOLUME specified can not be an empty string');
        this.meta(st, c, (rc) => {
          rc.Volumes = { ...(rc.Volumes ?? {}) };
          for (const p of paths) rc.Volumes[p] = {};
        }, `VOLUME [${paths.join(' ')}]`);
        return;
      }
      case 'CMD': {
        const cmd = this.commandArgs(st, c.command);
        this.meta(st, c, (rc) => (rc.Cmd = cmd), `CMD ${JSON.stringify(cmd)}`);
        st.cmdSet = true;
        return;
      }
      case 'ENTRYPOINT': {
        const ep = this.commandArgs(st, c.command);
        // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
        this.meta(st, c, (rc) => {
          rc.Entrypoint = ep;
          if (!st.cmdSet) rc.Cmd = null;
        }, `ENTRYPOINT ${JSON.stringify(ep)}`);
        return;
      }
      case 'SHELL':
        st.shell = c.shell.slice();
        this.meta(st, c, (rc) => (rc.Shell = c.shell.slice()), `SHELL ${JSON.stringify(c.shell)}`);
        return;
      case 'ONBUILD':
        this.meta(st, c, (rc) => (rc.OnBuild = [...((rc.OnBuild as string[] | null | undefined) ?? []), c.trigger]), `ONBUILD ${c.trigger}`);
        return;
      case 'MAINTAINER': {
        const who = x(c.value);
        this.meta(st, c, (_rc, config) => (config.author = who), `MAINTAINER ${who}`);
        return;
      }
      case 'HEALTHCHECK': {
        const hc: Record<string, unknown> = c.test === undefined ? { Test: ['NONE'] } : { Test: 'exec' in c.test ? ['CMD', ...c.test.exec] : ['CMD-SHELL', c.test.shell] };
        if (c.interval) hc.Interval = durationNs(c.interval, '--interval');
        if (c.timeout) hc.Timeout = durationNs(c.timeout, '--timeout');
        if (c.startPeriod) hc.StartPeriod = durationNs(c.startPeriod, '--start-period');
        if (c.startInterval) hc.StartInterval = durationNs(c.startInterval, '--start-interval');
        if (c.retries !== undefined) hc.Retries = c.retries;
        this.meta(st, c, (rc) => (rc.Healthcheck = hc), `HEALTHCHECK ${JSON.stringify(hc)}`);
        return;
      }
      case 'RUN':
        return this.runStep(st, c, stage, vertex as Vertex);
      case 'COPY':
      case 'ADD':
        return this.copyStep(st, c, stage, vertex as Vertex);
    }
  }

  private commandArgs(st: StageState, cl: CommandLine): string[] {
    return 'exec' in cl ? cl.exec : [...st.shell, cl.shell];
  }

  /** The environment a RUN sees: build args (not persisted), then the config's ENV, which wins. */
  private runEnv(st: StageState): string[] {
    const env = envMap(st.state.config.config?.Env);
    const out: string[] = [];
    for (const [k, v] of st.args) if (v !== undefined && !env.has(k)) out.push(`${k}=${v}`);
    for (const k of PROXY_ARGS) if (!st.args.has(k) && !env.has(k) && Object.hasOwn(this.req.buildArgs, k)) out.push(`${k}=${this.req.buildArgs[k] as string}`);
    return [...out, ...(st.state.config.config?.Env ?? [])];
  }

  private async runStep(st: StageState, c: Extract<Command, { kind: 'RUN' }>, stage: Stage, vertex: Vertex): Promise<void> {
    const network = c.network === undefined || c.network === 'default' ? this.req.network : c.network;
    if (network !== 'none' && network !== 'host') throw invalidArgument(`RUN --network=${network}: berth builds know only none and host`);
    const args = 'exec' in c.command ? c.command.exec : [...st.shell, heredocScript(c.command.shell, c.node.heredocs)];
    const rc = st.state.config.config ?? {};
    const x = (w: string): string => this.expand(w, this.vars(st));
    const mounts = c.mounts.map((m) => runMount(m, x, rc.WorkingDir || '/'));
    // What each mount brings in, for the key: a bind's content or source image; never a secret's content.
    const sources = new Map<RunMount, Digest | undefined>();
    const mountKeys: unknown[] = [];
    for (const m of mounts) {
      if (m.type === 'bind' && m.from !== undefined) {
        const dep = this.stageRef(m.from, stage.index);
        const image = dep ? await this.finishedImage(dep) : (await this.worker.base(m.from, { pull: this.req.pull })).id;
        sources.set(m, image);
        mountKeys.push({ ...m, image: image ?? 'scratch' });
      } else if (m.type === 'bind') {
        const [src] = this.req.context.resolve(m.source === '/' ? '.' : m.source);
        mountKeys.push({ ...m, content: src ? await this.req.context.checksum(src) : null });
      } else {
        // A required secret is required even when the step is cached.
        if (m.type === 'secret' && m.required && this.req.secrets[m.id ?? posix.basename(m.target)] === undefined) {
          throw invalidArgument(`secret ${m.id ?? posix.basename(m.target)} not found: give it with --secret id=${m.id ?? posix.basename(m.target)},src=FILE`);
        }
        mountKeys.push(m);
      }
    }
    const step: RunStep = { args, env: this.runEnv(st), user: rc.User ?? '', workdir: rc.WorkingDir || '/', network };
    const key = hashKey(st.state.key, 'RUN', step, mountKeys, st.pendingDirs);
    if (await this.fromCache(st, key, vertex)) return;
    const files = new MountFiles();
    try {
      await this.withMounts(mounts, sources, files, [], async (resolved) => {
        await this.freshStep(st, key, { ...step, mounts: resolved }, `RUN ${args.join(' ')} # berth`, async (wc) => {
          const code = await wc.run({ stdout: (d) => vertex.log('stdout', d), stderr: (d) => vertex.log('stderr', d) }, this.req.signal);
          if (code !== 0) throw Object.assign(buildFailure(`process ${JSON.stringify(args.join(' '))} did not complete successfully: exit code: ${code}`), { runFailure: { command: args.join(' '), code } satisfies RunFailure });
        });
      });
    } finally {
      files.release();
    }
  }

  /** Resolves the mounts one by one (a stage's root filesystem stays mounted while the step runs), then runs `fn`. */
  private async withMounts(mounts: RunMount[], sources: Map<RunMount, Digest | undefined>, files: MountFiles, done: ContainerMount[], fn: (resolved: ContainerMount[]) => Promise<void>): Promise<void> {
    const [m, ...rest] = mounts;
    if (m === undefined) return fn(done);
    const next = (add: ContainerMount[]): Promise<void> => this.withMounts(rest, sources, files, [...done, ...add], fn);
    switch (m.type) {
      case 'tmpfs':
        return next([{ Type: 'tmpfs', Target: m.target, ...(m.size ? { TmpfsOptions: { SizeBytes: m.size } } : {}) }]);
      case 'cache': {
        const dir = await this.worker.cacheMount(m.id ?? m.target, { uid: m.uid ?? 0, gid: m.gid ?? 0, mode: m.mode ?? 0o755 });
        return next([{ Type: 'bind', Source: dir, Target: m.target, ReadOnly: m.readOnly }]);
      }
      case 'secret': {
        const mount = files.secret(m, this.req.secrets);
        return next(mount ? [mount] : []);
      }
      case 'bind': {
        if (m.from === undefined) return next([files.bind(m, this.req.context.dir)]);
        const source = await this.worker.container(sources.get(m));
        try {
          await source.withRootfs(async (root) => next([files.bind(m, root)]));
        } finally {
          await source.remove();
        }
        return;
      }
    }
  }

  private async copyStep(st: StageState, c: Extract<Command, { kind: 'COPY' | 'ADD' }>, stage: Stage, vertex: Vertex): Promise<void> {
    const x = (w: string): string => this.expand(w, this.vars(st));
    const rc = st.state.config.config ?? {};
    const rawDest = x(c.dest);
    const dest = posix.resolve(rc.WorkingDir || '/', rawDest);
    const destIsDirectory = rawDest.endsWith('/') || rawDest === '.' || rawDest.endsWith('/.');
    const chmod = c.chmod === undefined ? undefined : parseChmod(x(c.chmod));
    const chown = c.chown === undefined ? undefined : x(c.chown);
    const heredocs = new Map(c.node.heredocs.map((h) => [h.name, h]));
    // --exclude: patterns on the paths under each source; --parents: each source keeps its path.
    const excludes = c.exclude.length > 0 ? new IgnoreMatcher(c.exclude.map(x)) : undefined;
    const shape = (item: CopyItem, rel: string): CopyItem => {
      const exclude = excludes
        ? (r: string, dir: boolean): boolean => excludes.matches(posix.join(rel, r)) || excludes.matches(r) || (item.exclude?.(r, dir) ?? false)
        : item.exclude;
      return { ...item, exclude, ...(c.parents ? { keepPath: rel } : {}) };
    };
    const kept = (rel: string): boolean => excludes === undefined || !(excludes.matches(rel) || excludes.matches(posix.basename(rel)));
    const tmp = mkdtempSync(join(tmpdir(), 'berth-build-'));
    try {
      // Where the files come from: heredocs, the context, or another stage or image.
      let fromImage: Digest | undefined;
      let fromKey: string;
      let locate: (rootfs?: string) => Promise<CopyItem[]>;
      if (c.from !== undefined) {
        const ref = x(c.from);
        const dep = this.stageRef(ref, stage.index);
        fromImage = dep ? await this.finishedImage(dep) : (await this.worker.base(ref, { pull: this.req.pull })).id;
        fromKey = hashKey('from', fromImage ?? 'scratch', c.sources.map(x), c.exclude.map(x), c.parents);
        locate = async (rootfs) => (rootfs === undefined ? [] : c.sources.flatMap((s) => sourcesInRoot(rootfs, x(s)).filter((i) => kept(i.rel)).map((i) => shape(i, i.rel))));
      } else {
        const items: CopyItem[] = [];
        const sums: string[] = [];
        for (const raw of c.sources) {
          const h = heredocs.get(raw.replace(/^<<-?["']?|["']?$/g, ''));
          if (h) {
            const file = join(tmp, basename(h.name));
            // BuildKit expands an unquoted heredoc's variables but leaves its quotes as they are.
            const content = h.expand ? expandWord(h.content, this.vars(st), this.df.escape, { skipProcessQuotes: true }) : h.content;
            writeFileSync(file, content, { mode: 0o644 });
            items.push({ path: file, isDirectory: false });
            sums.push(hashKey('heredoc', h.name, h.content));
            continue;
          }
          const s = x(raw);
          if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@')) {
            if (c.kind === 'COPY') throw invalidArgument(`COPY ${s}: COPY takes files from the context; use ADD to download a URL`);
            const got = await fetchUrl(s, tmp, c.checksum === undefined ? undefined : x(c.checksum), this.req.signal);
            items.push({ path: got.path, isDirectory: false, name: got.name, downloaded: true });
            sums.push(`url:${s}:${got.digest}`);
            continue;
          }
          for (const src of this.req.context.resolve(s)) {
            if (!kept(src.rel)) continue;
            items.push(shape(this.contextItem(src), src.rel));
            sums.push(`${src.rel}:${await this.req.context.checksum(src)}`);
          }
        }
        fromKey = hashKey('context', sums, c.exclude.map(x), c.parents);
        locate = () => Promise.resolve(items);
      }
      const key = hashKey(st.state.key, c.kind, fromKey, dest, destIsDirectory, chmod ?? null, chown ?? null, st.pendingDirs);
      const shown = `${c.kind} ${c.node.rest} # berth`;
      await this.layerStep(st, key, vertex, undefined, shown, async (wc) => {
        const copy = async (items: CopyItem[]): Promise<void> => {
          await wc.withRootfs(async (rootfs) => {
            makeDirs(rootfs, st.pendingDirs);
            const owner = chown !== undefined ? resolveChown(rootfs, chown) : c.from === undefined ? { uid: 0, gid: 0 } : undefined;
            await copyInto(rootfs, items, dest, destIsDirectory, { owner, chmod, extractArchives: c.kind === 'ADD' && c.from === undefined });
          });
        };
        if (c.from === undefined) return copy(await locate());
        // Another stage's files: its root filesystem mounted beside this one for the copy.
        const source = await this.worker.container(fromImage);
        try {
          await source.withRootfs(async (srcRoot) => copy(await locate(srcRoot)));
        } finally {
          await source.remove();
        }
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  private contextItem(src: Source): CopyItem {
    if (!src.isDirectory) return { path: src.path, isDirectory: false };
    return { path: src.path, isDirectory: true, exclude: (rel, isDirectory) => this.req.context.skipped(src.rel ? `${src.rel}/${rel}` : rel, isDirectory) };
  }

  /** The image a finished stage left (its config written when only metadata changed last). */
  private async finishedImage(stage: Stage): Promise<Digest | undefined> {
    const r = await this.stage(stage.index);
    return r.state.image;
  }

  /** A step that makes a layer: the cached image when the key is known, otherwise `work` in a working container. */
  private async layerStep(st: StageState, key: string, vertex: Vertex, step: RunStep | undefined, shown: string, work: (wc: WorkingContainer) => Promise<void>): Promise<void> {
    if (await this.fromCache(st, key, vertex)) return;
    await this.freshStep(st, key, step, shown, work);
  }

  /** Takes the image a step with this key made before, if the cache has it and it is still in the store. */
  private async fromCache(st: StageState, key: string, vertex: Vertex): Promise<boolean> {
    if (this.req.noCache) return false;
    const hit = await this.worker.cached(key);
    const image = hit ? await this.worker.image(hit) : undefined;
    if (!image) return false;
    st.state = { image: image.id, config: image.config, key, dirty: false };
    st.pendingDirs = [];
    this.steps.push({ key, id: image.id });
    vertex.cached();
    return true;
  }

  /** A working container over the state's image, `work` done in it, its changes committed as the step's image. */
  private async freshStep(st: StageState, key: string, step: RunStep | undefined, shown: string, work: (wc: WorkingContainer) => Promise<void>): Promise<void> {
    const wc = await this.worker.container(st.state.image, step);
    try {
      if (step && st.pendingDirs.length > 0) await wc.withRootfs(async (rootfs) => makeDirs(rootfs, st.pendingDirs));
      await work(wc);
      const created = isoTime(st.epoch);
      const id = await wc.commit(st.state.config, { created_by: shown, comment: HISTORY_COMMENT }, { created, sourceDateEpoch: st.epoch });
      const image = await this.worker.image(id);
      if (!image) throw new Error(`the image of step ${shown} vanished from the store`);
      st.state = { image: id, config: image.config, key, dirty: false };
      st.pendingDirs = [];
      await this.worker.remember(key, id);
      this.steps.push({ key, id });
    } finally {
      await wc.remove();
    }
  }

  /** WORKDIRs no later step created: a layer with just those directories (when one is missing). */
  private async makeDirectories(st: StageState): Promise<void> {
    const key = hashKey(st.state.key, 'WORKDIR', st.pendingDirs);
    const v = this.progress.start(`WORKDIR ${st.pendingDirs.map((d) => d.path).join(' ')}`);
    try {
      await this.layerStep(st, key, v, undefined, `WORKDIR ${st.pendingDirs.at(-1)?.path ?? ''} # berth`, async (wc) => {
        await wc.withRootfs(async (rootfs) => makeDirs(rootfs, st.pendingDirs));
      });
      v.done();
    } catch (err) {
      v.fail(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private async export(result: StageResult): Promise<BuildResult> {
    const v = this.progress.start('exporting to image');
    const { state, epoch } = result;
    let id = state.image;
    const labels = Object.entries(this.req.labels);
    if (state.dirty || id === undefined || labels.length > 0) {
      const config = structuredClone(state.config);
      config.config ??= {};
      if (labels.length > 0) config.config.Labels = { ...(config.config.Labels ?? {}), ...this.req.labels };
      config.created = isoTime(epoch);
      id = await this.worker.withConfig(state.image, config);
    }
    v.status(`writing image ${id}`);
    if (this.req.tags.length > 0) {
      v.status(`naming to ${this.req.tags.join(', ')}`);
      await this.worker.tag(id, this.req.tags);
    }
    v.done();
    return { id };
  }
}

interface StageState {
  state: State;
  epoch: number;
  args: Map<string, string | undefined>;
  shell: string[];
  /** CMD was set in this stage (so an ENTRYPOINT after it keeps it). */
  cmdSet: boolean;
  /** WORKDIRs to create before the next layer. */
  pendingDirs: PendingDir[];
}

interface PendingDir {
  path: string;
  /** The USER when the WORKDIR was set: it owns what is created. */
  user: string;
}

function where(node: { location: { file: string; startLine: number } }): string {
  return `${node.location.file}:${node.location.startLine}`;
}

/** A RUN in shell form with heredocs: the shell gets them as it would in a script. */
function heredocScript(shell: string, heredocs: { name: string; content: string }[]): string {
  if (heredocs.length === 0) return shell;
  // `RUN <<EOF` alone: the heredoc is the script.
  if (heredocs.length === 1 && /^<<-?(["']?)[^\s"']+\1$/.test(shell.trim())) return (heredocs[0] as { content: string }).content;
  return `${shell}\n${heredocs.map((h) => `${h.content}${h.name}\n`).join('')}`;
}

function parseChmod(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw invalidArgument(`invalid chmod parameter: ${text}: only octal modes (e.g. 755) are supported`);
  return parseInt(text, 8);
}

function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw invalidArgument(`invalid containerPort: ${spec}`);
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (to < from || to > 65535) throw invalidArgument(`invalid containerPort: ${spec}`);
  const out: string[] = [];
  for (let p = from; p <= to; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  return out;
}

/** Creates each WORKDIR that is missing (and its parents), owned by the USER at that WORKDIR, as BuildKit does. */
function makeDirs(rootfs: string, dirs: PendingDir[]): void {
  for (const d of dirs) {
    const owner = d.user ? resolveUser(rootfs, d.user) : { uid: 0, gid: 0 };
    ensureDirectory(rootfs, d.path, { uid: owner.uid, gid: owner.gid });
  }
}

/** Parses, plans and runs a build. */
export async function build(worker: BuildWorker, req: Omit<BuildRequest, 'dockerfile'> & { dockerfileText: string; dockerfileName: string }): Promise<BuildResult> {
  const dockerfile = toDockerfile(parseDockerfile(req.dockerfileText, req.dockerfileName));
  for (const w of dockerfile.warnings) req.onEvent({ type: 'warning', text: w });
  return new Builder(worker, { ...req, dockerfile }).run();
}

