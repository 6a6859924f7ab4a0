// --format templates (a Go text/template subset), docker/cli tables, and go-units sizes and durations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../errdefs/index.ts';
import { renderList, tabwrite } from './table.ts';
import { compileTemplate, goJson, goString } from './template.ts';
import { bytesSize, goTime, humanDuration, humanSize, jsonIndent, parseBytes, truncateId } from './units.ts';

const run = (src: string, data: unknown): string => compileTemplate(src).execute(data);

const image = {
  ID: 'sha256:4b6e',
  Repository: 'busybox',
  Tag: 'latest',
  Size: 4_260_000,
  RepoTags: ['busybox:latest', 'busybox:1.36'],
  Empty: [] as string[],
  Labels: { 'org.opencontainers.image.title': 'bb', maintainer: 'me' },
  Config: { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], User: '' },
  Html: '<b> & </b>',
  Ratio: 1.5,
};

// ---------------------------------------------------------------------------------------------
// template.ts

test('template: fields, nested fields, text around actions', () => {
  assert.equal(run('{{.Repository}}:{{.Tag}}', image), 'busybox:latest');
  assert.equal(run('ID={{ .ID }} size={{.Size}}', image), 'ID=sha256:4b6e size=4260000');
  assert.equal(run('{{.Config.Cmd}}', image), '[sh]');
  assert.equal(run('{{.Config.User}}|', image), '|');
  assert.equal(run('no actions at all', image), 'no actions at all');
  assert.equal(run('', image), '');
  assert.equal(run('{{.}}', 'plain'), 'plain');
  assert.equal(run('{{$}}', 7), '7');
});

test('template: values print as Go\'s %v does', () => {
  assert.equal(run('{{.RepoTags}}', image), '[busybox:latest busybox:1.36]');
  assert.equal(run('{{.Labels}}', image), 'map[maintainer:me org.opencontainers.image.title:bb]', 'maps print with sorted keys');
  assert.equal(run('{{.Empty}}', image), '[]');
  assert.equal(run('{{.Ratio}}', image), '1.5');
  assert.equal(run('{{1}} {{true}} {{nil}} {{-3}} {{"quoted \\"str\\""}} {{`raw {{x}}`}}', {}), '1 true <nil> -3 quoted "str" raw {{x}}');
  assert.equal(goString(undefined), '<no value>');
  assert.equal(goString(null), '<nil>');
  assert.equal(goString({ b: [1, 'x'], a: { c: true } }), 'map[a:map[c:true] b:[1 x]]');
});

test('template: json, with Go\'s escaping of <, > and &', () => {
  assert.equal(run('{{json .RepoTags}}', image), '["busybox:latest","busybox:1.36"]');
  assert.equal(run('{{json .Html}}', image), '"\\u003cb\\u003e \\u0026 \\u003c/b\\u003e"');
  assert.equal(run('{{json .Config}}', image), '{"Env":["PATH=/bin","A=1"],"Cmd":["sh"],"User":""}');
  assert.equal(run('{{json .}}', { A: 1 }), '{"A":1}');
  assert.equal(run('{{json nil}}', {}), 'null');
  assert.equal(run('{{json .Labels.nope}}', image), 'null');
  assert.equal(goJson('\u2028'), '"\\u2028"');
  assert.equal(goJson(undefined), 'null');
});

test('template: index, len, join, split, upper, lower, title, truncate, pad', () => {
  assert.equal(run('{{index .RepoTags 1}}', image), 'busybox:1.36');
  assert.equal(run('{{index .Labels "org.opencontainers.image.title"}}', image), 'bb');
  // Go's index gives the zero value of a missing key's element type: "" for Docker's string maps.
  assert.equal(run('{{index .Labels "missing"}}', image), '');
  assert.equal(run('{{index .Config.Env 0}}', image), 'PATH=/bin');
  assert.equal(run('{{len .RepoTags}} {{len .ID}} {{len .Labels}} {{len .Empty}}', image), '2 11 2 0');
  assert.equal(run('{{join .RepoTags ", "}}', image), 'busybox:latest, busybox:1.36');
  assert.equal(run('{{join .Empty ","}}', image), '');
  assert.equal(run('{{split "a:b:c" ":"}}', {}), '[a b c]');
  assert.equal(run('{{index (split .Repository "y") 0}}', image), 'bus');
  assert.equal(run('{{upper .Repository}} {{lower "MiXeD"}}', image), 'BUSYBOX mixed');
  assert.equal(run('{{title "hello big world"}}', {}), 'Hello Big World');
  assert.equal(run('{{truncate .ID 6}}', image), 'sha256');
  assert.equal(run('{{truncate "héllo" 2}}', {}), 'hé', 'truncate counts characters, not bytes');
  assert.equal(run('[{{pad .Tag 1 2}}]', image), '[ latest  ]');
});

test('template: pipelines pass the value as the last argument', () => {
  assert.equal(run('{{.Repository | upper}}', image), 'BUSYBOX');
  assert.equal(run('{{.Tag | printf "%s!"}}', image), 'latest!');
  assert.equal(run('{{json .RepoTags | upper}}', image), '["BUSYBOX:LATEST","BUSYBOX:1.36"]');
  assert.equal(run('{{(index .RepoTags 0) | lower | upper}}', image), 'BUSYBOX:LATEST');
});

test('template: printf verbs', () => {
  assert.equal(run('{{printf "%-10s|" .Tag}}', image), 'latest    |');
  assert.equal(run('{{printf "%10s|" .Tag}}', image), '    latest|');
  assert.equal(run('{{printf "%05d %d" 42 .Size}}', image), '00042 4260000');
  assert.equal(run('{{printf "%.2f" .Ratio}}', image), '1.50');
  assert.equal(run('{{printf "%q" .Tag}}', image), '"latest"');
  assert.equal(run('{{printf "%v %s" .RepoTags .Size}}', image), '[busybox:latest busybox:1.36] 4260000');
  assert.equal(run('{{printf "%x %X" 255 "hi"}}', {}), 'ff 6869');
  assert.equal(run('{{printf "100%%"}}', {}), '100%');
  assert.equal(run('{{printf "%.3s" .Repository}}', image), 'bus');
});

test('template: if / else if / else, and, or, not, comparisons', () => {
  assert.equal(run('{{if .RepoTags}}tagged{{else}}dangling{{end}}', image), 'tagged');
  assert.equal(run('{{if .Empty}}yes{{else}}no{{end}}', image), 'no');
  assert.equal(run('{{if .Config.User}}user{{else if .Config.Cmd}}cmd{{else}}none{{end}}', image), 'cmd');
  assert.equal(run('{{if eq .Tag "latest"}}L{{end}}', image), 'L');
  assert.equal(run('{{if eq .Tag "a" "b" "latest"}}any{{end}}', image), 'any');
  assert.equal(run('{{if ne .Tag "latest"}}x{{else}}same{{end}}', image), 'same');
  assert.equal(run('{{if gt .Size 1000000}}big{{end}}{{if lt .Size 1}}tiny{{end}}', image), 'big');
  assert.equal(run('{{le 2 2}} {{ge 1 2}} {{lt 1 2}}', {}), 'true false true');
  assert.equal(run('{{if and .RepoTags .Size}}both{{end}}', image), 'both');
  assert.equal(run('{{and .Size .Empty}}|{{or .Empty "default"}}|{{or "" 0}}', image), '[]|default|0');
  assert.equal(run('{{not .Empty}} {{not .Tag}}', image), 'true false');
  // Falsy: false, 0, "", nil, empty slices and maps.
  for (const v of [false, 0, '', null, [], {}]) assert.equal(run('{{if .}}t{{else}}f{{end}}', v), 'f', JSON.stringify(v));
  for (const v of [true, 1, 'x', [0], { a: 1 }]) assert.equal(run('{{if .}}t{{else}}f{{end}}', v), 't', JSON.stringify(v));
});

test('template: range over slices and maps, with variables and else', () => {
  assert.equal(run('{{range .RepoTags}}[{{.}}]{{end}}', image), '[busybox:latest][busybox:1.36]');
  assert.equal(run('{{range $i, $t := .RepoTags}}{{$i}}={{$t}} {{end}}', image), '0=busybox:latest 1=busybox:1.36 ');
  assert.equal(run('{{range $t := .RepoTags}}{{$t}};{{end}}', image), 'busybox:latest;busybox:1.36;');
  assert.equal(run('{{range $k, $v := .Labels}}{{$k}}={{$v}}\n{{end}}', image), 'maintainer=me\norg.opencontainers.image.title=bb\n', 'maps in key order');
  assert.equal(run('{{range .Empty}}x{{else}}none{{end}}', image), 'none');
  assert.equal(run('{{range .Config.Env}}{{$.Repository}}:{{.}} {{end}}', image), 'busybox:PATH=/bin busybox:A=1 ', '$ is the top-level data');
  assert.equal(run('{{$n := .Repository}}{{range .RepoTags}}{{$n}} {{end}}', image), 'busybox busybox ');
});

test('template: with, variables, comments, trim markers', () => {
  assert.equal(run('{{with .Config}}{{.Cmd}}{{end}}', image), '[sh]');
  assert.equal(run('{{with .Config.User}}u={{.}}{{else}}root{{end}}', image), 'root');
  assert.equal(run('{{$x := .Tag}}{{$x}}-{{$x}}', image), 'latest-latest');
  assert.equal(run('a{{/* a comment */}}b', image), 'ab');
  assert.equal(run('a  {{- .Tag -}}  b', image), 'alatestb');
  assert.equal(run('{{range .RepoTags -}}\n  {{.}}\n{{- end}}', image), 'busybox:latestbusybox:1.36');
});

test('template: missing keys of maps are <no value>; missing struct fields are errors', () => {
  assert.equal(run('{{.Labels.nope}}', image), '<no value>');
  assert.equal(run('{{.A.B}}', { A: null }), '<no value>');
  assert.throws(() => run('{{.Missing}}', image), (err: unknown) => err instanceof BerthError && /executing "" at <\.Missing>: can't evaluate field Missing/.test(err.message));
  assert.throws(() => run('{{.Tag.Sub}}', image), /can't evaluate field Sub in type string/);
  assert.throws(() => run('{{$nope}}', image), /undefined variable "\$nope"/);
});

test('template: parse errors, as Go words them', () => {
  const cases: [string, RegExp][] = [
    ['{{nope .ID}}', /^template parsing error: template: :1: function "nope" not defined$/],
    ['{{.ID', /unclosed action/],
    ['{{end}}', /unexpected \{\{end\}\}/],
    ['{{else}}', /unexpected \{\{else\}\}/],
    ['{{if .ID}}x', /unexpected EOF/],
    ['{{range .X}}', /unexpected EOF/],
    ['{{| upper}}', /missing command before "\|"/],
    ['{{(upper "x"}}', /unclosed left paren/],
    ['{{`raw}}', /unclosed action|unterminated raw quoted string/],
  ];
  for (const [src, re] of cases) {
    assert.throws(() => compileTemplate(src), (err: unknown) => err instanceof BerthError && err.kind === 'InvalidArgument' && re.test(err.message), src);
  }
  assert.throws(() => run('{{.ID "arg"}}', image), /can't give argument to non-function/);
});

// ---------------------------------------------------------------------------------------------
// table.ts

test('tabwrite: docker/cli\'s tabwriter (minwidth 10, padding 3), last column unpadded', () => {
  assert.equal(tabwrite(['A\tBB\tC', 'longer-than-ten\tx\ty']), 'A                 BB        C\nlonger-than-ten   x         y\n');
  assert.equal(tabwrite(['REPOSITORY\tTAG', 'busybox\tlatest']), 'REPOSITORY   TAG\nbusybox      latest\n');
  assert.equal(tabwrite(['x\t']), 'x\n', 'no trailing spaces');
  assert.equal(tabwrite(['né\tz', 'ab\tz']), 'né        z\nab        z\n', 'widths count characters');
  assert.equal(tabwrite(['a\tb\nc\td']), 'a         b\nc         d\n', 'cells may hold newlines that start rows');
  assert.equal(tabwrite([]), '');
});

test('renderList: the default table, table TEMPLATE, json, and plain templates', () => {
  const items = [{ ID: 'abc', Name: 'x', Size: '1MB' }, { ID: 'defghi', Name: 'yy', Size: '10MB' }];
  const opts = { defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Size}}', headers: { ID: 'IMAGE ID' } };
  const want = 'IMAGE ID   NAME      SIZE\nabc        x         1MB\ndefghi     yy        10MB\n';
  assert.equal(renderList(items, opts), want);
  assert.equal(renderList(items, { ...opts, format: '' }), want);
  assert.equal(renderList(items, { ...opts, format: 'table' }), want);
  assert.equal(renderList([], opts), 'IMAGE ID   NAME      SIZE\n', 'an empty list still has its header');
  assert.equal(renderList(items, { ...opts, format: 'table {{.Name}}\\t{{.ID}}' }), 'NAME      IMAGE ID\nx         abc\nyy        defghi\n');
  assert.equal(renderList(items, { ...opts, format: '{{.ID}}\\t{{.Name}}' }), 'abc\tx\ndefghi\tyy\n', 'a plain template: \\t is a tab, no alignment');
  assert.equal(renderList(items, { ...opts, format: '{{.Name}}' }), 'x\nyy\n');
  assert.equal(renderList([], { ...opts, format: '{{.Name}}' }), '');
  assert.equal(renderList([{ b: 2, a: '<x>' }], { ...opts, format: 'json' }), '{"a":"\\u003cx\\u003e","b":2}\n', 'json: one object a line, keys sorted');
});

// ---------------------------------------------------------------------------------------------
// units.ts

test('humanSize: go-units HumanSize (base 1000, 3 significant digits)', () => {
  const cases: [number, string][] = [
    [0, '0B'], [1, '1B'], [999, '999B'], [1000, '1kB'], [1023, '1.02kB'], [1024, '1.02kB'], [1500, '1.5kB'],
    [1_980_000, '1.98MB'], [1_999_999, '2MB'], [4_260_000, '4.26MB'], [105_000_000, '105MB'], [123_456_789, '123MB'],
    [1e9, '1GB'], [1e12, '1TB'], [1.5e15, '1.5PB'], [2.5e18, '2.5EB'], [1e21, '1ZB'], [1e24, '1YB'], [1e27, '1000YB'],
  ];
  for (const [n, s] of cases) assert.equal(humanSize(n), s, String(n));
});

test('humanSize: values that round up to 1000 print as Go\'s %.3g does ("1e+03kB")', () => {
  assert.equal(humanSize(999_999), '1e+03kB');
  assert.equal(humanSize(999.9), '1e+03B');
});

test('bytesSize: go-units BytesSize (base 1024, 4 significant digits)', () => {
  const cases: [number, string][] = [[0, '0B'], [1023, '1023B'], [1024, '1KiB'], [1536, '1.5KiB'], [1_980_000, '1.888MiB'], [1024 ** 3, '1GiB'], [105_000_000, '100.1MiB']];
  for (const [n, s] of cases) assert.equal(bytesSize(n), s, String(n));
});

test('parseBytes: go-units RAMInBytes (binary multiples)', () => {
  const cases: [string, number][] = [
    ['512m', 512 * 1024 ** 2], ['1g', 1024 ** 3], ['1.5GB', 1.5 * 1024 ** 3], ['100k', 102_400], ['1024', 1024], ['1b', 1],
    ['1MiB', 1024 ** 2], ['1mb', 1024 ** 2], ['1KIB', 1024], ['2T', 2 * 1024 ** 4], ['1p', 1024 ** 5], ['1 g', 1024 ** 3], ['1.5', 1], ['0', 0],
  ];
  for (const [s, n] of cases) assert.equal(parseBytes(s), n, s);
  for (const bad of ['', 'abc', '-1', 'm', '1x', '1gbb', '1e3']) {
    assert.throws(() => parseBytes(bad), (err: unknown) => err instanceof BerthError && err.message === `invalid size: '${bad}'`, bad);
  }
});

test('parseBytes: "1gi" (unit, then i, no b) is refused, as go-units v0.5 (Docker\'s) refuses it', () => {
  for (const bad of ['1gi', '1ki', '1i', '1ib']) assert.throws(() => parseBytes(bad), /invalid size/, bad);
  assert.equal(parseBytes('1gib'), 1024 ** 3);
});

test('humanDuration: go-units HumanDuration', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [0, 'Less than a second'], [999, 'Less than a second'], [-5000, 'Less than a second'],
    [1 * s, '1 second'], [1999, '1 second'], [2 * s, '2 seconds'], [59 * s + 999, '59 seconds'],
    [60 * s, 'About a minute'], [119 * s, 'About a minute'], [2 * m, '2 minutes'], [59 * m + 59 * s, '59 minutes'],
    [60 * m, 'About an hour'], [89 * m + 59 * s, 'About an hour'], [90 * m, '2 hours'], [2 * h, '2 hours'], [47 * h, '47 hours'],
    [47 * h + 29 * m, '47 hours'], [47 * h + 30 * m, '2 days'], [48 * h, '2 days'], [13 * d, '13 days'],
    [14 * d, '2 weeks'], [59 * d, '8 weeks'], [60 * d, '2 months'], [364 * d, '12 months'], [729 * d, '24 months'], [730 * d, '2 years'], [3 * 365 * d, '3 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('humanDuration: years count whole hours, unrounded, as go-units does', () => {
  assert.equal(humanDuration(730 * 24 * 3600_000 - 10 * 60_000), '1 years');
});

test('truncateId, goTime, jsonIndent', () => {
  assert.equal(truncateId(`sha256:${'0123456789ab'.repeat(5)}abcd`), '0123456789ab');
  assert.equal(truncateId('abcdef'), 'abcdef');
  assert.equal(truncateId('0123456789abcdef'), '0123456789ab');
  assert.equal(goTime(new Date(Date.UTC(2024, 0, 2, 15, 4, 5))), '2024-01-02 15:04:05 +0000 UTC');
  assert.equal(jsonIndent({ a: '<&>', b: [1], c: {}, d: [] }), '{\n    "a": "\\u003c\\u0026\\u003e",\n    "b": [\n        1\n    ],\n    "c": {},\n    "d": []\n}');
});

test('goTime: fractional seconds print as Go\'s Time.String() does', () => {
  assert.equal(goTime(new Date(Date.UTC(2024, 0, 2, 15, 4, 5, 678))), '2024-01-02 15:04:05.678 +0000 UTC');
});
