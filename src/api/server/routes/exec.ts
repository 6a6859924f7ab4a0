// Exec routes (moby's api/server/router/container/exec.go): create an instance, start it (on a
// hijacked connection, or detached), resize its terminal, inspect it.
import { BerthError, invalidArgument, isKind, notFound } from '../../../errdefs/index.ts';
import { parseDetachKeys, type Engine, type ExecSession, type ExecStreams, type TerminalSize } from '../../../engine/index.ts';
import { ExecStore, type ExecRecord } from '../exec-store.ts';
import { connectionWriter, followOnConnection } from '../exec-stream.ts';
import { messageOf, type ApiReply } from '../reply.ts';
import { readJson, type ApiRequest } from '../request.ts';
import type { Route, RouteContext } from '../router.ts';
import { bool, object, parseBody, str, strings, type Check } from '../schema.ts';
import { STDERR, STDOUT } from '../../stdcopy.ts';
import type { DaemonState } from '../state.ts';

/** `ConsoleSize`: Go's *[2]uint, [height, width]. */
function consoleSize(struct: string): Check<TerminalSize | undefined> {
  return (v, f) => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw invalidArgument(`json: cannot unmarshal ${typeof v} into Go struct field ${f} of type [2]uint`);
    const [h, w] = [v[0] ?? 0, v[1] ?? 0].map((n: unknown) => {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw invalidArgument(`json: cannot unmarshal ${JSON.stringify(n)} into Go struct field ${struct}.ConsoleSize of type uint`);
      return n;
    }) as [number, number];
    return { height: h, width: w };
  };
}

const createBody = object('ExecOptions', {
  User: str, Privileged: bool, Tty: bool, ConsoleSize: consoleSize('ExecOptions'),
  AttachStdin: bool, AttachStderr: bool, AttachStdout: bool, Detach: bool, DetachKeys: str,
  Env: strings, WorkingDir: str, Cmd: strings,
});

const startBody = object('ExecStartOptions', { Detach: bool, Tty: bool, ConsoleSize: consoleSize('ExecStartOptions') });

function store(state: DaemonState, engine: Engine): ExecStore {
  return state.slot('exec', () => new ExecStore((id) => engine.containers.resolve(id).then(() => true, (err: unknown) => !isKind(err, 'NotFound'))));
}

/** dockerd's checks before a start or a resize: the instance's container still runs, unpaused. */
async function checkContainer(engine: Engine, rec: ExecRecord): Promise<void> {
  try {
    await engine.containers.checkExec(rec.containerId, { cmd: rec.cmd });
  } catch (err) {
    if (err instanceof BerthError && err.kind === 'NotFound') throw notFound(`No such container: ${rec.id}`, rec.id);
    throw err;
  }
}

async function create(req: ApiRequest, reply: ApiReply, { engine, state }: RouteContext): Promise<void> {
  const body = parseBody(createBody, await readJson(req));
  const cmd = body.Cmd ?? [];
  if (cmd.length === 0) throw invalidArgument('No exec command specified');
  // The engine's checks, as dockerd makes them at create: the container runs, the user exists.
  const containerId = await engine.containers.checkExec(req.params.id as string, { cmd, user: body.User || undefined });
  let detachKeys: number[] = [];
  if (body.DetachKeys) {
    try {
      detachKeys = parseDetachKeys(body.DetachKeys);
    } catch {
      throw new BerthError('Internal', `Invalid escape keys (${body.DetachKeys}) provided`);
    }
  }
  const rec = store(state, engine).add({
    containerId,
    cmd,
    env: body.Env ?? [],
    user: body.User ?? '',
    workingDir: body.WorkingDir ?? '',
    tty: body.Tty ?? false,
    privileged: body.Privileged ?? false,
    openStdin: body.AttachStdin ?? false,
    openStdout: body.AttachStdout ?? false,
    openStderr: body.AttachStderr ?? false,
    detachKeys,
    consoleSize: req.version.atLeast('1.42') ? body.ConsoleSize : undefined,
  });
  reply.json(201, { Id: rec.id });
}

async function start(req: ApiRequest, reply: ApiReply, { engine, state }: RouteContext): Promise<void> {
  const body = parseBody(startBody, await readJson(req));
  const execs = store(state, engine);
  const rec = execs.get(req.params.id as string);
  await checkContainer(engine, rec);
  // A size given at start wins over create's; neither means anything without a terminal.
  const size = (body.Tty && req.version.atLeast('1.42') ? body.ConsoleSize : undefined) ?? rec.consoleSize;
  const run = (streams?: ExecStreams): Promise<ExecSession> =>
    engine.containers.exec(rec.containerId, {
      cmd: rec.cmd, env: rec.env, user: rec.user || undefined, workdir: rec.workingDir || undefined,
      tty: rec.tty, size: rec.tty ? size : undefined, interactive: rec.openStdin && streams !== undefined,
      privileged: rec.privileged, detach: streams === undefined,
    }, streams);
  const failed = (err: unknown): void => execs.finish(rec, err instanceof BerthError && err.exitStatus ? err.exitStatus : 126);

  if (body.Detach) {
    execs.claim(rec);
    const session = await run().catch((err: unknown) => {
      failed(err);
      throw err;
    });
    running(rec, session);
    void session.exitCode.then((code) => execs.finish(rec, code));
    reply.empty(200);
    return;
  }

  const raw = body.Tty === true;
  const multiplexed = !raw && req.version.atLeast('1.42');
  const conn = reply.hijack(multiplexed ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream', req.body);
  const write = connectionWriter(conn, raw);
  // From here on, failures are told on the stream (dockerd writes them as output, then hangs up).
  const tell = (err: unknown): void => {
    write(STDOUT, Buffer.from(`${messageOf(err)}\r\n`));
    conn.end();
  };
  try {
    execs.claim(rec);
  } catch (err) {
    tell(err);
    return;
  }
  let session;
  try {
    session = await run({
      stdout: rec.openStdout ? (d) => write(STDOUT, d) : undefined,
      stderr: rec.openStderr ? (d) => write(STDERR, d) : undefined,
    });
  } catch (err) {
    failed(err);
    tell(err);
    return;
  }
  running(rec, session);
  await followOnConnection(session, conn, { stdin: rec.openStdin, tty: raw, detachKeys: rec.detachKeys, onExit: (code) => execs.finish(rec, code) });
}

/** The process runs: its pid for inspect, its session for resize. */
function running(rec: ExecRecord, session: ExecSession): void {
  rec.pid = session.pid;
  rec.session = session;
  rec.markStarted();
}

/** Go's strconv.Atoi, with its words for what it refuses. */
function atoi(q: URLSearchParams, name: string): number {
  const v = q.get(name) ?? '';
  if (!/^[+-]?\d+$/.test(v)) throw invalidArgument(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

async function resize(req: ApiRequest, reply: ApiReply, { engine, state }: RouteContext): Promise<void> {
  const height = atoi(req.query, 'h');
  const width = atoi(req.query, 'w');
  const rec = store(state, engine).get(req.params.id as string);
  await checkContainer(engine, rec);
  // As dockerd: a resize may come just before the start it belongs to.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 10_000)));
  const ready = await Promise.race([rec.started, timeout]);
  clearTimeout(timer);
  if (ready === 'timeout') throw new BerthError('Internal', 'timeout waiting for exec session ready');
  await rec.session?.resize({ height, width });
  reply.empty(200);
}

async function inspect(req: ApiRequest, reply: ApiReply, { engine, state }: RouteContext): Promise<void> {
  const rec = store(state, engine).get(req.params.id as string);
  const ctr = await engine.containers.get(rec.containerId).catch(() => {
    throw notFound(`No such exec instance: ${rec.id}`, rec.id);
  });
  const [entrypoint, ...args] = rec.cmd;
  const user = rec.user || ctr.Config.User || '';
  reply.json(200, {
    ID: rec.id,
    Running: rec.running,
    ExitCode: rec.exitCode,
    ProcessConfig: { tty: rec.tty, entrypoint, arguments: args, privileged: rec.privileged, ...(user ? { user } : {}) },
    OpenStdin: rec.openStdin,
    OpenStderr: rec.openStderr,
    OpenStdout: rec.openStdout,
    CanRemove: rec.canRemove,
    ContainerID: rec.containerId,
    // Go's []byte: base64.
    DetachKeys: Buffer.from(rec.detachKeys).toString('base64'),
    Pid: rec.pid,
  });
}

export const execRoutes: Route[] = [
  { method: 'POST', path: '/containers/{id}/exec', handler: create },
  { method: 'POST', path: '/exec/{id}/start', handler: start },
  { method: 'POST', path: '/exec/{id}/resize', handler: resize },
  { method: 'GET', path: '/exec/{id}/json', handler: inspect },
];
