// Nodes → typed Commands and Stages (BuildKit's instruction rules), and the exact error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../errdefs/index.ts';
import { parseDuration, toCommand, toDockerfile } from './commands.ts';
import { parseDockerfile } from './parse.ts';
import type { Command, Dockerfile } from './syntax.ts';

const build = (text: string): Dockerfile => toDockerfile(parseDockerfile(text));

/** The commands of the single stage of `FROM base\n<text>`, without their nodes. */
function commands(text: string): Record<string, unknown>[] {
  const df = build(`FROM base\n${text}`);
  assert.equal(df.stages.length, 1);
  return (df.stages[0]?.commands ?? []).map(({ node: _node, ...rest }) => rest);
}

/** The one command of `FROM base\n<line>`, without its node. */
function one(line: string): Record<string, unknown> {
  const all = commands(line);
  assert.equal(all.length, 1, `one command in ${JSON.stringify(line)}`);
  return all[0] as Record<string, unknown>;
}

/** Asserts the Dockerfile is refused with exactly `message` (parsing itself succeeds). */
function refuses(text: string, message: string): void {
  const parsed = parseDockerfile(text);
  assert.throws(() => toDockerfile(parsed), (err: unknown) => {
    assert.ok(err instanceof BerthError, `a BerthError for ${JSON.stringify(text)}`);
    assert.equal(err.kind, 'InvalidArgument');
    assert.equal(err.message, message, `message for ${JSON.stringify(text)}`);
    return true;
  }, `refuses ${JSON.stringify(text)}`);
}

// --- stages --------------------------------------------------------------------------------------

test('stages: FROM starts one; its commands follow; names lower-cased; platform flag', () => {
  const df = build('# syntax=x\nARG BASE=alpine\nARG V\nFROM $BASE AS Build\nRUN make\nFROM --platform=$BUILDPLATFORM scratch\nCOPY --from=build /out /\nfrom busybox as final.1-a_b');
  assert.deepEqual(df.directives, { syntax: 'x' });
  assert.equal(df.escape, '\\');
  assert.deepEqual(df.globalArgs.map((a) => a.args), [[{ name: 'BASE', value: 'alpine' }], [{ name: 'V' }]]);
  assert.deepEqual(df.stages.map((s) => [s.index, s.name, s.from.image, s.from.stageName, s.from.platform, s.commands.map((c) => c.kind)]), [
    [0, 'build', '$BASE', 'build', undefined, ['RUN']],
    [1, undefined, 'scratch', undefined, '$BUILDPLATFORM', ['COPY']],
    [2, 'final.1-a_b', 'busybox', 'final.1-a_b', undefined, []],
  ]);
  assert.ok(!('name' in (df.stages[1] as object)), 'an unnamed stage has no name key');
  assert.equal(df.stages[0]?.from.node.location.startLine, 4);
  assert.deepEqual(df.warnings, []);
});

test('ARG after FROM belongs to the stage; the parser warnings are passed on', () => {
  const df = build('FROM a\nARG X=1\nRUN a \\\n\n b');
  assert.deepEqual(df.globalArgs, []);
  assert.deepEqual(df.stages[0]?.commands.map((c) => c.kind), ['ARG', 'RUN']);
  assert.equal(df.warnings.length, 1);
});

test('toCommand works on a node alone, e.g. an ONBUILD trigger read back from an image', () => {
  const node = parseDockerfile('ENV A="b c"').nodes[0];
  assert.ok(node !== undefined);
  const command = toCommand(node);
  assert.deepEqual(command.kind === 'ENV' && command.pairs, [{ key: 'A', value: '"b c"' }]);
  assert.equal(command.node, node);
  const backtick = parseDockerfile('# escape=`\nENV A=x` y').nodes[0];
  assert.ok(backtick !== undefined);
  const env = toCommand(backtick, '`');
  assert.deepEqual(env.kind === 'ENV' && env.pairs, [{ key: 'A', value: 'x` y' }]);
});

// --- RUN, CMD, ENTRYPOINT --------------------------------------------------------------------------

test('RUN, CMD and ENTRYPOINT: exec form for a JSON array of strings, else shell form (also for invalid JSON)', () => {
  assert.deepEqual(commands([
    'RUN ["echo", "a b"]',
    'RUN echo "a b" && ls',
    'RUN [ "sh", "-c", "x" ]',
    'RUN [echo, hi]',
    'RUN ["a",]',
    'RUN ["a"] && b',
    'CMD ["nginx", "-g", "daemon off;"]',
    'CMD nginx -g "daemon off;"',
    'CMD []',
    'CMD',
    'ENTRYPOINT ["/entry.sh"]',
    'ENTRYPOINT exec /entry.sh',
  ].join('\n')).map((c) => [c.kind, c.command]), [
    ['RUN', { exec: ['echo', 'a b'] }],
    ['RUN', { shell: 'echo "a b" && ls' }],
    ['RUN', { exec: ['sh', '-c', 'x'] }],
    ['RUN', { shell: '[echo, hi]' }],
    ['RUN', { shell: '["a",]' }],
    ['RUN', { shell: '["a"] && b' }],
    ['CMD', { exec: ['nginx', '-g', 'daemon off;'] }],
    ['CMD', { shell: 'nginx -g "daemon off;"' }],
    ['CMD', { exec: [] }],
    ['CMD', { shell: '' }],
    ['ENTRYPOINT', { exec: ['/entry.sh'] }],
    ['ENTRYPOINT', { shell: 'exec /entry.sh' }],
  ]);
});

test('RUN with a heredoc stays shell form; the bodies are on the node', () => {
  const df = build('FROM a\nRUN <<EOF\nset -e\nmake\nEOF');
  const run = df.stages[0]?.commands[0];
  assert.deepEqual(run?.kind === 'RUN' && run.command, { shell: '<<EOF' });
  assert.deepEqual(run?.node.heredocs, [{ name: 'EOF', expand: true, stripTabs: false, content: 'set -e\nmake\n' }]);
});

test('RUN flags: --mount (repeatable), --network, --security', () => {
  assert.deepEqual(one('RUN --network=none --security=insecure make'), { kind: 'RUN', command: { shell: 'make' }, mounts: [], network: 'none', security: 'insecure' });
  assert.deepEqual(one('RUN --network=host true').network, 'host');
  assert.deepEqual(one('RUN --network=default true').network, 'default');
  assert.deepEqual(one('RUN --security=sandbox true').security, 'sandbox');
  assert.deepEqual(one('RUN true'), { kind: 'RUN', command: { shell: 'true' }, mounts: [] });
});

test('RUN --mount: k=v pairs; type defaults to bind; keys and type lower-cased; switches are true; quoted CSV fields', () => {
  assert.deepEqual(one([
    'RUN --mount=target=/src',
    '--mount=type=cache,target=/root/.cache,id=pip,sharing=locked',
    '--mount=Type=Secret,ID=npmrc,dst=/root/.npmrc,required',
    '--mount=type=bind,from=build,source=/out,target=/in,ro',
    '--mount=type=tmpfs,target=/tmp,size=64m',
    '--mount=type=ssh,mode=0600,uid=1,gid=2,rw=false',
    '--mount=\'type=bind,"source=a,b",target=/c\'',
    '--mount="type=secret,id=tok,env=TOKEN,target=$DIR"',
    'true',
  ].join(' ')).mounts, [
    { type: 'bind', target: '/src' },
    { type: 'cache', target: '/root/.cache', id: 'pip', sharing: 'locked' },
    { type: 'secret', id: 'npmrc', dst: '/root/.npmrc', required: 'true' },
    { type: 'bind', from: 'build', source: '/out', target: '/in', ro: 'true' },
    { type: 'tmpfs', target: '/tmp', size: '64m' },
    { type: 'ssh', mode: '0600', uid: '1', gid: '2', rw: 'false' },
    { type: 'bind', source: 'a,b', target: '/c' },
    { type: 'secret', id: 'tok', env: 'TOKEN', target: '$DIR' },
  ]);
  // A CSV quote inside a quoted field is doubled.
  assert.deepEqual(one('RUN --mount=\'"target=/a""b",readonly\' true').mounts, [{ type: 'bind', target: '/a"b', readonly: 'true' }]);
  // A type from a variable is checked when the build expands it.
  assert.deepEqual(one('RUN --mount=type=$T,target=/x true').mounts, [{ type: '$t', target: '/x' }]);
});

// --- ENV, LABEL, ARG -----------------------------------------------------------------------------

test('ENV and LABEL: key=value pairs, quotes and escapes kept as written, split on unquoted whitespace', () => {
  assert.deepEqual(one('ENV A=1 B="two words" C=three\\ words D=\'single $q\' E= F="x"y"z" G=a\\"b H="a\\"b c"').pairs, [
    { key: 'A', value: '1' },
    { key: 'B', value: '"two words"' },
    { key: 'C', value: 'three\\ words' },
    { key: 'D', value: "'single $q'" },
    { key: 'E', value: '' },
    { key: 'F', value: '"x"y"z"' },
    { key: 'G', value: 'a\\"b' },
    { key: 'H', value: '"a\\"b c"' },
  ]);
  assert.deepEqual(one('LABEL "com.example.vendor"="ACME Inc" version=1.0 description="multi \\\n  line"').pairs, [
    { key: '"com.example.vendor"', value: '"ACME Inc"' },
    { key: 'version', value: '1.0' },
    { key: 'description', value: '"multi   line"' },
  ]);
  assert.deepEqual(one('ENV PATH=/x:$PATH').pairs, [{ key: 'PATH', value: '/x:$PATH' }]);
  // The escape character escapes nothing inside single quotes.
  assert.deepEqual(one("ENV A='a\\' B=c").pairs, [{ key: 'A', value: "'a\\'" }, { key: 'B', value: 'c' }]);
  assert.deepEqual(one('ENV A="a\\" B=c"').pairs, [{ key: 'A', value: '"a\\" B=c"' }]);
});

test('ENV and LABEL: the legacy `KEY value` form takes all the rest as the value', () => {
  assert.deepEqual(one('ENV MY_VAR  my value  with "quotes" x=y').pairs, [{ key: 'MY_VAR', value: 'my value  with "quotes" x=y' }]);
  assert.deepEqual(one('LABEL maintainer me@example.com').pairs, [{ key: 'maintainer', value: 'me@example.com' }]);
  assert.deepEqual(one('ENV\tA\tb').pairs, [{ key: 'A', value: 'b' }]);
});

test('ARG: names with optional defaults, several on one line, quotes kept', () => {
  assert.deepEqual(one('ARG A B=1 C="x y" D= E=a=b').args, [
    { name: 'A' }, { name: 'B', value: '1' }, { name: 'C', value: '"x y"' }, { name: 'D', value: '' }, { name: 'E', value: 'a=b' },
  ]);
});

// --- COPY, ADD -----------------------------------------------------------------------------------

test('COPY: sources and destination, whitespace-split or JSON; flags', () => {
  assert.deepEqual(one('COPY a b  c /dst/'), { kind: 'COPY', sources: ['a', 'b', 'c'], dest: '/dst/', link: false, parents: false, exclude: [] });
  assert.deepEqual(one('COPY ["a b", "c", "/d e/"]'), { kind: 'COPY', sources: ['a b', 'c'], dest: '/d e/', link: false, parents: false, exclude: [] });
  assert.deepEqual(
    one('COPY --from=build --chown=app:app --chmod=0644 --link --parents --exclude=*.md --exclude=.git ./a ./b/'),
    { kind: 'COPY', sources: ['./a'], dest: './b/', from: 'build', chown: 'app:app', chmod: '0644', link: true, parents: true, exclude: ['*.md', '.git'] },
  );
  assert.equal(one('COPY --link=false a b').link, false);
  assert.equal(one('COPY --link=TRUE a b').link, true);
  assert.equal(one('COPY --from= a b').from, undefined);
  assert.ok(!('keepGitDir' in one('COPY a b')));
  assert.ok(!('checksum' in one('COPY a b')));
});

test('ADD: its own flags; keepGitDir is always set', () => {
  assert.deepEqual(
    one('ADD --checksum=sha256:24454f830c --keep-git-dir --chown=1:1 --chmod=755 --link --exclude=x https://example.com/a.tgz /a/'),
    { kind: 'ADD', sources: ['https://example.com/a.tgz'], dest: '/a/', checksum: 'sha256:24454f830c', keepGitDir: true, chown: '1:1', chmod: '755', link: true, parents: false, exclude: ['x'] },
  );
  assert.deepEqual(one('ADD a b'), { kind: 'ADD', sources: ['a'], dest: 'b', keepGitDir: false, link: false, parents: false, exclude: [] });
});

test('COPY and ADD heredocs: the heredoc names are the sources, the bodies on the node', () => {
  const df = build('FROM a\nCOPY <<one <<"two" real /dst/\n1\none\n2\ntwo\nADD <<-x /x\n\tX\nx');
  const [copy, add] = df.stages[0]?.commands ?? [];
  assert.deepEqual(copy?.kind === 'COPY' && [copy.sources, copy.dest], [['one', 'two', 'real'], '/dst/']);
  assert.deepEqual(copy?.node.heredocs.map((h) => [h.name, h.content, h.expand]), [['one', '1\n', true], ['two', '2\n', false]]);
  assert.deepEqual(add?.kind === 'ADD' && [add.sources, add.node.heredocs[0]?.content], [['x'], 'X\n']);
});

// --- the single-value and list instructions ----------------------------------------------------

test('WORKDIR, USER, STOPSIGNAL, MAINTAINER take the whole rest as one value', () => {
  assert.deepEqual(commands('WORKDIR /my app\nUSER app:app\nSTOPSIGNAL SIGTERM\nMAINTAINER Jane Doe <jane@example.com>').map((c) => [c.kind, c.value]), [
    ['WORKDIR', '/my app'], ['USER', 'app:app'], ['STOPSIGNAL', 'SIGTERM'], ['MAINTAINER', 'Jane Doe <jane@example.com>'],
  ]);
});

test('EXPOSE splits on whitespace, in order; VOLUME takes JSON or whitespace-split paths', () => {
  assert.deepEqual(one('EXPOSE 80/tcp  443 53/udp ${PORT}').ports, ['80/tcp', '443', '53/udp', '${PORT}']);
  assert.deepEqual(one('VOLUME /data /logs').paths, ['/data', '/logs']);
  assert.deepEqual(one('VOLUME ["/data", " /with space "]').paths, ['/data', '/with space']);
});

test('SHELL takes a JSON array', () => {
  assert.deepEqual(one('SHELL ["/bin/bash", "-o", "pipefail", "-c"]').shell, ['/bin/bash', '-o', 'pipefail', '-c']);
});

// --- ONBUILD -------------------------------------------------------------------------------------

test('ONBUILD keeps its trigger text as the image config does, heredoc bodies appended', () => {
  assert.equal(one('ONBUILD RUN --network=none make  ').trigger, 'RUN --network=none make  ');
  assert.equal(one('onbuild   COPY . /app').trigger, 'COPY . /app');
  assert.equal(one('ONBUILD RUN a \\\n  b').trigger, 'RUN a   b');
  const df = build('FROM a\nONBUILD RUN <<EOF\necho hi\nEOF');
  const onbuild = df.stages[0]?.commands[0];
  assert.equal(onbuild?.kind === 'ONBUILD' && onbuild.trigger, 'RUN <<EOF\necho hi\nEOF');
  // The text parses back to the same instruction.
  const trigger = build(`FROM scratch\n${onbuild?.kind === 'ONBUILD' ? onbuild.trigger : ''}`).stages[0]?.commands[0];
  assert.deepEqual(trigger?.node.heredocs, [{ name: 'EOF', expand: true, stripTabs: false, content: 'echo hi\n' }]);
});

// --- HEALTHCHECK ---------------------------------------------------------------------------------

test('HEALTHCHECK: NONE, or CMD in shell or exec form with the timing flags', () => {
  assert.deepEqual(one('HEALTHCHECK NONE'), { kind: 'HEALTHCHECK' });
  assert.deepEqual(one('healthcheck none'), { kind: 'HEALTHCHECK' });
  assert.deepEqual(one('HEALTHCHECK CMD curl -f http://localhost/ || exit 1'), { kind: 'HEALTHCHECK', test: { shell: 'curl -f http://localhost/ || exit 1' } });
  assert.deepEqual(
    one('HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s --start-interval=100ms --retries=3 cmd ["pg_isready", "-q"]'),
    { kind: 'HEALTHCHECK', test: { exec: ['pg_isready', '-q'] }, interval: '30s', timeout: '1m30s', startPeriod: '1.5s', startInterval: '100ms', retries: 3 },
  );
  assert.deepEqual(one('HEALTHCHECK --interval=0 --retries=0 CMD true'), { kind: 'HEALTHCHECK', test: { shell: 'true' }, interval: '0', retries: 0 });
});

test('parseDuration reads Go durations in nanoseconds', () => {
  const cases: [string, number | undefined][] = [
    ['0', 0], ['1ns', 1], ['1us', 1e3], ['1µs', 1e3], ['1ms', 1e6], ['30s', 30e9], ['1m30s', 90e9], ['1.5h', 5400e9],
    ['.5s', 5e8], ['1.s', 1e9], ['2h45m10.5s', 9910.5e9], ['+5s', 5e9], ['-1s', -1e9],
    ['', undefined], ['5', undefined], ['s', undefined], ['1x', undefined], ['1s2', undefined], ['.s', undefined], ['1 s', undefined], ['--1s', undefined],
  ];
  for (const [text, ns] of cases) assert.equal(parseDuration(text), ns, text);
});

// --- errors --------------------------------------------------------------------------------------

const E = (line: number, message: string): string => `dockerfile parse error on line ${line} of Dockerfile: ${message}`;

const MALFORMED: [name: string, text: string, message: string][] = [
  // the file as a whole
  ['an instruction before the first FROM', 'ARG A\nRUN x\nFROM a', E(2, 'RUN: no build stage in current context: only ARG can come before the first FROM')],
  ['only global ARGs', '# c\nARG A\nARG B', E(2, 'dockerfile contains no stages to build: there is no FROM instruction')],
  ['a duplicate stage name', 'FROM a AS build\nRUN x\nFROM b AS BUILD', E(3, 'FROM: duplicate stage name "build" (first defined on line 1)')],
  // FROM
  ['FROM without an image', 'FROM', E(1, 'FROM: requires either one or three arguments')],
  ['FROM with two words', 'FROM a b', E(1, 'FROM: requires either one or three arguments')],
  ['FROM AS without a name', 'FROM a AS', E(1, 'FROM: requires either one or three arguments')],
  ['FROM with a third word that is not AS', 'FROM a IS b', E(1, 'FROM: requires either one or three arguments')],
  ['FROM with too many words', 'FROM a AS b c', E(1, 'FROM: requires either one or three arguments')],
  ['a stage name starting with a digit', 'FROM a AS 1st', E(1, 'FROM: invalid name for build stage: "1st", name can\'t start with a number or contain symbols')],
  ['a stage name with a symbol', 'FROM a AS My:Stage', E(1, 'FROM: invalid name for build stage: "My:Stage", name can\'t start with a number or contain symbols')],
  ['a stage name from a variable', 'FROM a AS $NAME', E(1, 'FROM: invalid name for build stage: "$NAME", name can\'t start with a number or contain symbols')],
  ['an unknown FROM flag', 'FROM --platfrom=linux/amd64 a', E(1, 'FROM: unknown flag: --platfrom (did you mean --platform?)')],
  ['FROM --platform without a value', 'FROM --platform a', E(1, 'FROM: missing a value on flag: --platform')],
  // RUN
  ['RUN with a JSON array of non-strings', 'FROM a\nRUN ["echo", 1]', E(2, 'RUN: when using JSON array syntax, arrays must be comprised of strings only')],
  ['CMD with a JSON array of non-strings', 'FROM a\nCMD [["a"]]', E(2, 'CMD: when using JSON array syntax, arrays must be comprised of strings only')],
  ['an unknown RUN flag', 'FROM a\nRUN --moutn=type=cache make', E(2, 'RUN: unknown flag: --moutn (did you mean --mount?)')],
  ['an unknown RUN flag without a suggestion', 'FROM a\nRUN --privileged make', E(2, 'RUN: unknown flag: --privileged')],
  ['--network twice', 'FROM a\nRUN --network=none --network=host x', E(2, 'RUN: duplicate flag specified: --network')],
  ['--network without a value', 'FROM a\nRUN --network x', E(2, 'RUN: missing a value on flag: --network')],
  ['an unknown network mode', 'FROM a\nRUN --network=bridge x', E(2, 'RUN: unsupported network mode "bridge" (one of default, none, host)')],
  ['an unknown security mode', 'FROM a\nRUN --security=privileged x', E(2, 'RUN: unsupported security mode "privileged" (one of sandbox, insecure)')],
  // RUN --mount
  ['an empty mount', 'FROM a\nRUN --mount= x', E(2, 'RUN: --mount=: empty mount specification')],
  ['a mount without a value', 'FROM a\nRUN --mount x', E(2, 'RUN: missing a value on flag: --mount')],
  ['an unknown mount type', 'FROM a\nRUN --mount=type=volume,target=/x x', E(2, 'RUN: --mount=type=volume,target=/x: unsupported mount type "volume"')],
  ['a misspelt mount type', 'FROM a\nRUN --mount=type=cahce,target=/x x', E(2, 'RUN: --mount=type=cahce,target=/x: unsupported mount type "cahce" (did you mean cache?)')],
  ['an unknown mount key', 'FROM a\nRUN --mount=type=cache,traget=/x x', E(2, "RUN: --mount=type=cache,traget=/x: unexpected key 'traget' in 'traget=/x' (did you mean target?)")],
  ['a mount field without =', 'FROM a\nRUN --mount=type=bind,/src x', E(2, "RUN: --mount=type=bind,/src: invalid field '/src' must be a key=value pair")],
  ['a mount from a variable', 'FROM a\nRUN --mount=from=$STAGE,target=/x x', E(2, "RUN: --mount=from=$STAGE,target=/x: 'from' doesn't support variable expansion, define alias stage instead")],
  ['a bare quote in a mount field', 'FROM a\nRUN --mount=\'target=/a"b\' x', E(2, 'RUN: --mount=target=/a"b: bare " in non-quoted-field')],
  ['an unterminated quoted mount field', 'FROM a\nRUN --mount=\'"target=/a\' x', E(2, 'RUN: --mount="target=/a: extraneous or missing " in quoted-field')],
  ['text after a quoted mount field', 'FROM a\nRUN --mount=\'"target=/a"b\' x', E(2, 'RUN: --mount="target=/a"b: extraneous or missing " in quoted-field')],
  // ENV, LABEL, ARG
  ['ENV without arguments', 'FROM a\nENV', E(2, 'ENV: requires at least one argument')],
  ['LABEL without arguments', 'FROM a\nLABEL   ', E(2, 'LABEL: requires at least one argument')],
  ['ENV with one word', 'FROM a\nENV KEY', E(2, 'ENV: must have two arguments')],
  ['LABEL with one word', 'FROM a\nLABEL KEY', E(2, 'LABEL: must have two arguments')],
  ['ENV pairs mixed with a word', 'FROM a\nENV A=1 B', E(2, 'ENV: can\'t find = in "B". Must be of the form: name=value')],
  ['LABEL with a quoted word without =', 'FROM a\nLABEL a=1 "b c"', E(2, 'LABEL: can\'t find = in "\\"b c\\"". Must be of the form: name=value')],
  ['ENV with a blank name', 'FROM a\nENV =1', E(2, 'ENV: names can not be blank')],
  ['ARG without arguments', 'FROM a\nARG', E(2, 'ARG: requires at least one argument')],
  ['ARG with a blank name', 'ARG =x\nFROM a', E(1, 'ARG: names can not be blank')],
  // COPY, ADD
  ['COPY with one argument', 'FROM a\nCOPY src', E(2, 'COPY: requires at least two arguments, but only one was provided. Destination could not be determined')],
  ['COPY without arguments', 'FROM a\nCOPY', E(2, 'COPY: requires at least two arguments, but only one was provided. Destination could not be determined')],
  ['ADD with a JSON array of one', 'FROM a\nADD ["src"]', E(2, 'ADD: requires at least two arguments, but only one was provided. Destination could not be determined')],
  ['COPY with only a heredoc', 'FROM a\nCOPY <<EOF\nx\nEOF', E(2, 'COPY: requires at least two arguments, but only one was provided. Destination could not be determined')],
  ['COPY to a heredoc', 'FROM a\nCOPY src <<EOF\nx\nEOF', E(2, 'COPY: cannot accept a heredoc as a destination')],
  ['COPY with a JSON array of non-strings', 'FROM a\nCOPY ["a", null]', E(2, 'COPY: when using JSON array syntax, arrays must be comprised of strings only')],
  ['COPY --checksum', 'FROM a\nCOPY --checksum=sha256:x a b', E(2, 'COPY: unknown flag: --checksum')],
  ['COPY --keep-git-dir', 'FROM a\nCOPY --keep-git-dir a b', E(2, 'COPY: unknown flag: --keep-git-dir')],
  ['ADD --from', 'FROM a\nADD --from=b a b', E(2, 'ADD: unknown flag: --from')],
  ['ADD --parents', 'FROM a\nADD --parents a b', E(2, 'ADD: unknown flag: --parents')],
  ['COPY --from twice', 'FROM a\nCOPY --from=a --from=b x y', E(2, 'COPY: duplicate flag specified: --from')],
  ['COPY --from without a value', 'FROM a\nCOPY --from x y', E(2, 'COPY: missing a value on flag: --from')],
  ['COPY --link with an empty value', 'FROM a\nCOPY --link= x y', E(2, 'COPY: missing a value on flag: --link')],
  ['COPY --link with a non-boolean', 'FROM a\nCOPY --link=yes x y', E(2, 'COPY: expecting boolean value for flag --link, not: yes')],
  ['COPY --exclude without a value', 'FROM a\nCOPY --exclude x y', E(2, 'COPY: missing a value on flag: --exclude')],
  // single values, lists
  ['WORKDIR without a path', 'FROM a\nWORKDIR', E(2, 'WORKDIR: requires exactly one argument')],
  ['USER without a name', 'FROM a\nUSER ', E(2, 'USER: requires exactly one argument')],
  ['STOPSIGNAL without a signal', 'FROM a\nSTOPSIGNAL', E(2, 'STOPSIGNAL: requires exactly one argument')],
  ['MAINTAINER without a name', 'FROM a\nMAINTAINER', E(2, 'MAINTAINER: requires exactly one argument')],
  ['EXPOSE without ports', 'FROM a\nEXPOSE', E(2, 'EXPOSE: requires at least one argument')],
  ['VOLUME without paths', 'FROM a\nVOLUME', E(2, 'VOLUME: requires at least one argument')],
  ['VOLUME with an empty JSON array', 'FROM a\nVOLUME []', E(2, 'VOLUME: requires at least one argument')],
  ['VOLUME with an empty path', 'FROM a\nVOLUME ["/a", "  "]', E(2, 'VOLUME: VOLUME specified can not be an empty string')],
  ['SHELL in shell form', 'FROM a\nSHELL /bin/bash -c', E(2, 'SHELL: requires the arguments to be in JSON form')],
  ['SHELL with an empty array', 'FROM a\nSHELL []', E(2, 'SHELL: requires at least one argument')],
  ['SHELL without arguments', 'FROM a\nSHELL', E(2, 'SHELL: requires at least one argument')],
  ['SHELL with non-strings', 'FROM a\nSHELL ["sh", 1]', E(2, 'SHELL: when using JSON array syntax, arrays must be comprised of strings only')],
  // ONBUILD
  ['ONBUILD without a trigger', 'FROM a\nONBUILD', E(2, 'ONBUILD: requires at least one argument')],
  ['ONBUILD ONBUILD', 'FROM a\nONBUILD onbuild RUN x', E(2, "ONBUILD: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")],
  ['ONBUILD FROM', 'FROM a\nONBUILD from b', E(2, "ONBUILD: FROM isn't allowed as an ONBUILD trigger")],
  ['ONBUILD MAINTAINER', 'FROM a\nONBUILD MAINTAINER me', E(2, "ONBUILD: MAINTAINER isn't allowed as an ONBUILD trigger")],
  // HEALTHCHECK
  ['HEALTHCHECK without arguments', 'FROM a\nHEALTHCHECK', E(2, 'HEALTHCHECK: requires at least one argument')],
  ['HEALTHCHECK NONE with arguments', 'FROM a\nHEALTHCHECK NONE x', E(2, 'HEALTHCHECK: HEALTHCHECK NONE takes no arguments')],
  ['HEALTHCHECK with an unknown type', 'FROM a\nHEALTHCHECK RUN true', E(2, 'HEALTHCHECK: unknown type "RUN" in HEALTHCHECK (try CMD)')],
  ['HEALTHCHECK CMD without a command', 'FROM a\nHEALTHCHECK --interval=5s CMD', E(2, 'HEALTHCHECK: missing command after HEALTHCHECK CMD')],
  ['HEALTHCHECK CMD with an empty array', 'FROM a\nHEALTHCHECK CMD []', E(2, 'HEALTHCHECK: missing command after HEALTHCHECK CMD')],
  ['HEALTHCHECK with an unknown flag', 'FROM a\nHEALTHCHECK --intreval=5s CMD true', E(2, 'HEALTHCHECK: unknown flag: --intreval (did you mean --interval?)')],
  ['HEALTHCHECK with a bad duration', 'FROM a\nHEALTHCHECK --timeout=5 CMD true', E(2, 'HEALTHCHECK: invalid duration "5" for --timeout')],
  ['HEALTHCHECK with a too short duration', 'FROM a\nHEALTHCHECK --start-interval=10us CMD true', E(2, 'HEALTHCHECK: --start-interval cannot be less than 1ms (got "10us")')],
  ['HEALTHCHECK with a negative duration', 'FROM a\nHEALTHCHECK --interval=-1s CMD true', E(2, 'HEALTHCHECK: --interval cannot be less than 1ms (got "-1s")')],
  ['HEALTHCHECK with negative retries', 'FROM a\nHEALTHCHECK --retries=-1 CMD true', E(2, 'HEALTHCHECK: --retries cannot be negative (-1)')],
  ['HEALTHCHECK with non-integer retries', 'FROM a\nHEALTHCHECK --retries=1.5 CMD true', E(2, 'HEALTHCHECK: invalid value "1.5" for --retries: not an integer')],
  ['HEALTHCHECK with huge retries', 'FROM a\nHEALTHCHECK --retries=99999999999 CMD true', E(2, 'HEALTHCHECK: invalid value "99999999999" for --retries: not an integer')],
];

for (const [name, text, message] of MALFORMED) {
  test(`refused: ${name}`, () => refuses(text, message));
}

test('the error line is the first line of the instruction, in the file given', () => {
  const parsed = parseDockerfile('FROM a\n\nCOPY \\\n  --chown=x \\\n  onlyone', 'sub/Dockerfile.web');
  assert.throws(() => toDockerfile(parsed), {
    message: 'dockerfile parse error on line 3 of sub/Dockerfile.web: COPY: requires at least two arguments, but only one was provided. Destination could not be determined',
  });
});

test('every command kind keeps its node', () => {
  const df = build('FROM a\nRUN x\nCMD x\nENTRYPOINT x\nENV a=b\nLABEL a=b\nARG a\nCOPY a b\nADD a b\nWORKDIR /\nUSER u\nSTOPSIGNAL 9\nEXPOSE 1\nVOLUME /v\nSHELL ["sh"]\nONBUILD RUN x\nHEALTHCHECK NONE\nMAINTAINER m');
  const all: Command[] = df.stages[0]?.commands ?? [];
  assert.deepEqual(all.map((c) => c.kind), ['RUN', 'CMD', 'ENTRYPOINT', 'ENV', 'LABEL', 'ARG', 'COPY', 'ADD', 'WORKDIR', 'USER', 'STOPSIGNAL', 'EXPOSE', 'VOLUME', 'SHELL', 'ONBUILD', 'HEALTHCHECK', 'MAINTAINER']);
  assert.deepEqual(all.map((c) => c.node.location.startLine), Array.from({ length: 17 }, (_, i) => i + 2));
  assert.ok(all.every((c) => c.node.keyword === c.kind));
});
