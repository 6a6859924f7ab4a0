// Variable substitution as BuildKit's shell lexer does it. Most expected values are BuildKit's own
// test tables (frontend/dockerfile/shell: envVarTest, wordsTest, TestProcessWithMatches), written
// out here as cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../errdefs/index.ts';
import { expand, expandWord, expandWords, goQuote, usedVariables, type ExpandEnv } from './expand.ts';

// The environment of BuildKit's envVarTest.
const ENV: ExpandEnv = { PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '' };

/** [input, expected]; expected null means an error. */
type Case = [string, string | null];

function check(cases: Case[], env: ExpandEnv = ENV, escape: '\\' | '`' = '\\'): void {
  for (const [input, expected] of cases) {
    if (expected === null) {
      assert.throws(() => expandWord(input, env, escape), (err: unknown) => {
        assert.ok(err instanceof BerthError, `a BerthError for ${JSON.stringify(input)}`);
        assert.equal(err.kind, 'InvalidArgument');
        return true;
      }, `expected an error for ${JSON.stringify(input)}`);
    } else {
      assert.equal(expandWord(input, env, escape), expected, `expanding ${JSON.stringify(input)}`);
    }
  }
}

/** Asserts the exact message. */
function fails(input: string, message: string, env: ExpandEnv = ENV, escape: '\\' | '`' = '\\'): void {
  assert.throws(() => expandWord(input, env, escape), (err: unknown) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.kind, 'InvalidArgument');
    assert.equal(err.message, message, `message for ${JSON.stringify(input)}`);
    return true;
  }, `expected an error for ${JSON.stringify(input)}`);
}

test('quotes and the escape character outside and inside quotes (envVarTest)', () => {
  check([
    ['hello', 'hello'],
    ["he'll'o", 'hello'],
    ["he'llo", null], // unclosed single quote
    ["he\\'llo", "he'llo"], // outside quotes the escape makes any next character literal
    ["he\\\\'llo", null], // an escaped backslash, then an unclosed quote
    ['abc\\tdef', 'abctdef'], // `\t` is just `t`: no C escapes
    ['"abc\\tdef"', 'abc\\tdef'], // inside double quotes `\` before other than " $ \ stays
    ['"abc\\\\tdef"', 'abc\\tdef'],
    ["'abc\\tdef'", 'abc\\tdef'], // single quotes: all literal
    ['hello\\', 'hello'], // a trailing escape is dropped
    ['hello\\\\', 'hello\\'],
    ['"hello', null],
    ['"hello\\"', null], // the escaped quote does not close
    ['"hel\'lo"', "hel'lo"],
    ["'hello", null],
    ["'hello\\'", 'hello\\'], // no escapes in single quotes: the quote closes
    ["'hello\\there'", 'hello\\there'],
    ["'hello\\\\there'", 'hello\\\\there'],
    ['"\'\'"', "''"],
    ['\'"hello"\'', '"hello"'],
    ['안녕하세요', '안녕하세요'],
    ["안'녕'하세요", '안녕하세요'],
    ["안녕\\'하세요", "안녕'하세요"],
    ['"안녕\\t하세요"', '안녕\\t하세요'],
  ]);
});

test('$name, special names and a lone $ (envVarTest)', () => {
  check([
    ['$.', '$.'], // `$` before a non-name stays
    ['$', '$'],
    ['a$ b', 'a$ b'],
    ['$1', ''], // positional parameters exist as names but are never set
    ['he$1x', 'hex'], // a name that starts with a digit takes only the digits
    ['$12x', 'x'],
    ['he$.x', 'he$.x'],
    ['he$pwd.', 'he.'], // names are case-sensitive on Linux
    ['he$PWD', 'he/home'],
    ['he$PWD.x', 'he/home.x'],
    ['$PWD_x', ''], // `_` is part of the name
    ['$SHELL-x', 'bash-x'],
    ['$KOREAN', '한국어'],
    ['안녕$KOREAN', '안녕한국어'],
    ['$안녕', ''], // any Unicode letter is a name character
    ['$$', ''], // special parameters: $$ $# $? $! $@ $* $- $0 are one-character names, never set
    ['$#x', 'x'],
    ['$@', ''],
    ['$0a', 'a'],
    ['${#}', ''],
    ['${@}', ''],
    ['he\\$PWD', 'he$PWD'],
    ['he\\\\$PWD', 'he\\/home'],
    ['"he\\$PWD"', 'he$PWD'],
    ['"he\\\\$PWD"', 'he\\/home'],
    ["'he\\$PWD'", 'he\\$PWD'],
    ["'$PWD'", '$PWD'],
    ['"$PWD"', '/home'],
    ['"he\'$PWD\'"', "he'/home'"],
    ['$NULL', ''],
    ['$UNSET', ''],
  ]);
});

test('${name} and the default/alternative forms (envVarTest)', () => {
  check([
    ['\\${}', '${}'],
    ['\\${}aaa', '${}aaa'],
    ['he\\${}xx', 'he${}xx'],
    ['${}', null],
    ['he${}xx', null],
    ['he${hi}', 'he'],
    ['he${hi}xx', 'hexx'],
    ['he${PWD}', 'he/home'],
    ['he${.}', null],
    ['he${XXX:-000}xx', 'he000xx'],
    ['he${PWD:-000}xx', 'he/homexx'],
    ['he${XXX:-$PWD}xx', 'he/homexx'],
    ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
    ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
    ['he${XXX:YYY}', null],
    ['he${XXX:+${PWD}}xx', 'hexx'],
    ['he${PWD:+${XXX}}xx', 'hexx'],
    ['he${PWD:+${SHELL}}xx', 'hebashxx'],
    ['he${XXX:+000}xx', 'hexx'],
    ['he${PWD:+000}xx', 'he000xx'],
    ["'he${XX}'", 'he${XX}'],
    ['"he${PWD}"', 'he/home'],
    ['he${PWD', null],
    ['he${PWD:=000}xx', null], // `=` (assign) is not supported
    ['he${PWD:+${PWD}:}xx', 'he/home:xx'],
    ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'],
    ['he${XXX:-\\${PWD}z}xx', 'he${PWDz}xx'],
    ['${{aaa}', null],
    ['${aaa}}', '}'],
    ['${aaa', null],
    ['${{aaa:-bbb}', null],
    ['${aaa:-bbb}}', 'bbb}'],
    ['${aaa:-bbb', null],
    ['${aaa:-bbb}', 'bbb'],
    ['${aaa:-${bbb:-ccc}}', 'ccc'],
    ['${aaa:-bbb ${foo}', null],
    ['${aaa:-bbb {foo}', 'bbb {foo'],
    ['${:}', null],
    ['${:-bbb}', null],
    ['${:+bbb}', null],
    // Without the colon an empty value counts as set.
    ['${NULL-x}', ''],
    ['${NULL:-x}', 'x'],
    ['${NULL+x}', 'x'],
    ['${NULL:+x}', ''],
    ['${UNSET-x}', 'x'],
    ['${UNSET+x}', ''],
    // The word is expanded and has its quotes removed; `}` inside quotes does not close.
    ['${UNSET:-"a}b"}', 'a}b'],
    ["${UNSET:-'$PWD'}", '$PWD'],
    ['${UNSET:-a\\}b}', 'a}b'],
    ['"${UNSET:-x y}"', 'x y'],
    ['${PWD:?}', '/home'],
    ['${NULL?}', ''],
  ]);
});

test('the BuildKit release-name example with ${VAR:+-${VAR}}', () => {
  const word = 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz';
  const base = { VERSION: 'v1.2.3', TARGETOS: 'linux' };
  assert.equal(expandWord(word, { ...base, TARGETARCH: 'arm', TARGETVARIANT: 'v7' }), 'something-v1.2.3.linux-arm-v7.tar.gz');
  assert.equal(expandWord(word, { ...base, TARGETARCH: 'arm64', TARGETVARIANT: '' }), 'something-v1.2.3.linux-arm64.tar.gz');
  assert.equal(expandWord(word, { ...base, TARGETARCH: 'arm64' }), 'something-v1.2.3.linux-arm64.tar.gz');
});

test('${VAR?message} and ${VAR:?message} (TestShellParserMandatoryEnvVars)', () => {
  const set = { VAR: 'plain', ARG: 'x' };
  const empty = { VAR: '', ARG: 'x' };
  const unset = { ARG: 'x' };
  assert.equal(expandWord('${VAR:?message here$ARG}', set), 'plain');
  fails('${VAR:?message here$ARG}', 'failed to process "${VAR:?message here$ARG}": VAR: message herex', empty);
  fails('${VAR:?message here$ARG}', 'failed to process "${VAR:?message here$ARG}": VAR: message herex', unset);
  assert.equal(expandWord('${VAR?message here$ARG}', set), 'plain');
  assert.equal(expandWord('${VAR?message here$ARG}', empty), '');
  fails('${VAR?message here$ARG}', 'failed to process "${VAR?message here$ARG}": VAR: message herex', unset);
  fails('${VAR?}', 'failed to process "${VAR?}": VAR: is not allowed to be unset', unset);
  fails('${VAR:?}', 'failed to process "${VAR:?}": VAR: is not allowed to be empty', empty);
  fails('${VAR:?}', 'failed to process "${VAR:?}": VAR: is not allowed to be unset', unset);
});

test('prefix and suffix removal with shell patterns (TestProcessWithMatches)', () => {
  check([
    ['${FOO#*x*y}', 'y'],
    ['${FOO#*}', 'xxyy'], // the shortest match of `*` is empty
    ['${FOO#$BAR}', 'xyy'],
    ['${FOO#}', 'xxyy'],
    ['${FOO##*x}', 'yy'],
    ['${FOO##}', 'xxyy'],
    ['${FOO%}', 'xxyy'],
    ['${FOO%y*}', 'xxy'],
    ['${FOO%%y*}', 'xx'],
    ['${FOO%%x*}', ''],
    ['${FOO%x}', 'xxyy'], // the suffix must match at the end
    ['${FOO#x?}', 'yy'],
    ['${FOO:#x}', 'xyy'], // a colon before # or % changes nothing
    ['${ABC:-.}${FOO%x}${ABC:-.}', '.xxyy.'],
    ['${UNSET#x}', ''],
    ['${FOO#\\x}', null], // only `\*`, `\?`, `\\` (and the delimiters) may be escaped in a pattern
  ], { FOO: 'xxyy', BAR: 'x' });
  // Special characters of regular expressions are literal; `\}` is a literal brace.
  // Values taken from the same BuildKit table, each with its own FOO.
  assert.equal(expandWord('${FOO#()[]{\\}^$.\\*\\?|\\\\}', { FOO: '()[]{}^$.*?|\\x' }), 'x');
  assert.equal(expandWord('${FOO%%\\**}', { FOO: 'xx**' }), 'xx');
  assert.equal(expandWord('${FOO#?\\?}', { FOO: '???y' }), '?y');
  assert.equal(expandWord('${FOO%%\\**\\*}', { FOO: 'a***yy*' }), 'a');
  assert.equal(expandWord('${FOO%%$BAR}', { FOO: 'xxyy', BAR: '' }), 'xxyy');
  assert.equal(expandWord('${FOO#$BAR}', { FOO: 'xxyy', BAR: '' }), 'xxyy');
  // Suffix removal works on whole characters.
  assert.equal(expandWord('${FOO%?}', { FOO: 'a🖖' }), 'a');
  assert.equal(expandWord('${FOO%.*}', { FOO: 'archive.tar.gz' }), 'archive.tar');
  assert.equal(expandWord('${FOO%%.*}', { FOO: 'archive.tar.gz' }), 'archive');
  assert.equal(expandWord('${FOO##*/}', { FOO: '/usr/local/bin/tool' }), 'tool');
  assert.equal(expandWord('${FOO#*/}', { FOO: '/usr/local/bin/tool' }), 'usr/local/bin/tool');
  fails('${FOO#\\x}', `failed to process "\${FOO#\\\\x}": invalid pattern (\\x) in substitution: invalid escape '\\x'`, { FOO: 'x' });
});

test('${VAR/pat/repl} and ${VAR//pat/repl} (TestProcessWithMatches)', () => {
  assert.equal(expandWord('${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }), '/foo.*/*.txt - /foo..*.txt');
  assert.equal(expandWord('${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }), '/tmp/bar.txt - /bar.txt');
  assert.equal(expandWord('${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}', { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' }), '/foo/b/c.txt - /foo/c.txt');
  assert.equal(expandWord('${FOO/$NEEDLE/$REPLACEMENT}', { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' }), 'https://google.de');
  // Escaped separators are kept with their escape in the replacement (the escape stays in both parts).
  assert.equal(expandWord('${FOO//\\//\\/}', { FOO: '/tmp/foo.txt' }), '\\/tmp\\/foo.txt');
  assert.equal(expandWord('${FOO/$BAR/ww}', { FOO: 'xxyy', BAR: '' }), 'wwxxyy');
  assert.equal(expandWord('${FOO///}', { FOO: 'xxyy' }), 'xxyy');
  assert.equal(expandWord('${FOO///}', {}), '');
  fails('${FOO//ww}', 'failed to process "${FOO//ww}": syntax error: missing \'/\' in ${}', { FOO: 'xxyy' });
  fails('${FOO//}', 'failed to process "${FOO//}": syntax error: missing \'/\' in ${}', { FOO: 'xxyy' });
  // The pattern is greedy (bash's longest match) and `*` may span `/`.
  assert.equal(expandWord('${FOO/a*b/X}', { FOO: 'a1b2b3' }), 'X3');
  assert.equal(expandWord('${FOO//o/0}', { FOO: 'foo/boo' }), 'f00/b00');
  // Go's ReplaceAll: an empty match right after a match is not replaced again.
  assert.equal(expandWord('${FOO//*/z}', { FOO: 'abc' }), 'z');
  assert.equal(expandWord('${FOO//$E/-}', { FOO: 'ab', E: '' }), '-a-b-');
});

test('error messages read like BuildKit\'s: failed to process "<word>": …', () => {
  fails('${}', 'failed to process "${}": syntax error: bad substitution');
  fails('${:x}', 'failed to process "${:x}": syntax error: bad substitution');
  fails('${', 'failed to process "${": syntax error: missing \'}\'');
  fails('${X:-abc', 'failed to process "${X:-abc": syntax error: missing \'}\'');
  fails('${X:=abc}', 'failed to process "${X:=abc}": unsupported modifier (:=) in substitution');
  fails('${X=abc}', 'failed to process "${X=abc}": unsupported modifier (=) in substitution');
  fails('${X.y}', 'failed to process "${X.y}": unsupported modifier (.) in substitution');
  fails('${pkg.name}.conf', 'failed to process "${pkg.name}.conf": unsupported modifier (.) in substitution');
  fails("it's", 'failed to process "it\'s": unexpected end of statement while looking for matching single-quote');
  fails('"abc', 'failed to process "\\"abc": unexpected end of statement while looking for matching double-quote');
  // (BuildKit says "unsupported modifier (\ufffd)" here; berth names the missing brace.)
  fails('${FOO', 'failed to process "${FOO": syntax error: missing \'}\'');
  // Go's %q quoting of the word.
  fails('a\tb${', 'failed to process "a\\tb${": syntax error: missing \'}\'');
});

test('goQuote is Go\'s %q', () => {
  assert.equal(goQuote('plain'), '"plain"');
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\n\t\x01\x7f'), '"\\n\\t\\x01\\x7f"');
  assert.equal(goQuote('한국어 🖖'), '"한국어 🖖"');
  assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
});

test('escape=` : the backtick escapes, a backslash is an ordinary character', () => {
  check([
    ['C:\\path\\$PWD', 'C:\\path\\/home'],
    ['`$PWD', '$PWD'],
    ['a``b', 'a`b'],
    ['a`', 'a'],
    ['a`"b', 'a"b'],
    ['"a`"b"', 'a"b'],
    ['"a`$PWD"', 'a$PWD'],
    ['"a``b"', 'a`b'],
    ['"a`xb"', 'a`xb'], // inside double quotes the escape before other characters stays
    ['"a\\"', 'a\\'], // the backslash does not escape the closing quote
    ['${X:-a`}b}', 'a}b'],
    ['${FOO#`*}', 'xyy'], // in patterns only a backslash escapes, so `*` is a wildcard after a backtick…
  ], { PWD: '/home', FOO: '`xyy' }, '`');
  // …and `\*` is a literal star.
  assert.equal(expandWord('${FOO#\\*}', { FOO: '*a' }, '`'), 'a');
});

test('expandWords splits on unquoted whitespace after expansion (wordsTest)', () => {
  const env = new Map([['hi', 'hi'], ['space', 'abc  def'], ['leading', '  ab c'], ['trailing', 'ab c   ']]);
  const cases: [string, string[]][] = [
    ['hello', ['hello']],
    ['hello${nothing}bye', ['hellobye']],
    ['hello${hi}bye', ['hellohibye']],
    ['hello${space}bye', ['helloabc', 'defbye']],
    ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello "${space}"bye', ['hello', 'abc  defbye']],
    ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello"${leading}" def', ['hello  ab c', 'def']],
    ['hello"${leading}"', ['hello  ab c']],
    ['hello${leading}', ['hello', 'ab', 'c']],
    ['hello${trailing}', ['helloab', 'c']],
    ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hello"${trailing}"d', ['helloab c   d']],
    ['hel"lo${trailing}"', ['helloab c   ']],
    ['hello there     ', ['hello', 'there']],
    ['hello\\ there', ['hello there']],
    ['hello\\" there', ['hello"', 'there']],
    ['  a \t b\n c  ', ['a', 'b', 'c']],
    ["'a b' \"c d\"", ['a b', 'c d']],
    ['', []],
    ['   ', []],
    // An empty quoted string alone makes no word (BuildKit's wordsStruct only keeps non-empty words).
    ['a "" b', ['a', 'b']],
    ["''", []],
    // The value of a ${…} form splits like a variable's value.
    ['${nothing:-"x y"} z', ['x', 'y', 'z']],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(expandWords(input, env), expected, `words of ${JSON.stringify(input)}`);
  }
  assert.throws(() => expandWords('hello" there', env), BerthError);
});

test('expandWord keeps whitespace and accepts a Map or a record', () => {
  assert.equal(expandWord('  a  $X  ', new Map([['X', ' b ']])), '  a   b   ');
  assert.equal(expandWord('$X', { X: 'rec' }), 'rec');
  // Only own properties of a record are variables.
  assert.equal(expandWord('${toString}${constructor:-none}', {}), 'none');
});

test('matched and unmatched names (TestProcessWithMatches)', () => {
  const env = { FOO: 'xxx', BAR: '' };
  const r = expand('${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', env);
  assert.equal(r.result, 'xxx  ccc');
  assert.deepEqual(r.matched, ['FOO', 'BAR']);
  assert.deepEqual(r.unmatched, ['BAZ']);
  assert.deepEqual(expand('x ${UNUSED}', env).unmatched, ['UNUSED']);
  assert.deepEqual(expand('x', env), { result: 'x', words: ['x'], matched: [], unmatched: [] });
});

test('usedVariables lists every reference, nested ones too', () => {
  assert.deepEqual(usedVariables('$A ${B:-$C} ${D#$E} ${F/$G/$H} \\$NOT \'$NOT2\' "$I"'), ['A', 'C', 'B', 'E', 'D', 'G', 'H', 'F', 'I']);
  assert.deepEqual(usedVariables('${X:?} $X'), ['X']);
  assert.deepEqual(usedVariables('`$A', '`'), []);
  assert.throws(() => usedVariables('${'), BerthError);
});

test('options: skipUnsetEnv, rawQuotes, rawEscapes, skipProcessQuotes', () => {
  const env = { SET: 'v' };
  const skip = { skipUnsetEnv: true };
  assert.equal(expandWord('$SET $UNSET ${UNSET} ${UNSET:-d} ${SET:-d}', env, '\\', skip), 'v $UNSET ${UNSET} ${UNSET:-d} v');
  assert.equal(expandWord('${UNSET#x*}', env, '\\', skip), '${UNSET#x*}');
  assert.equal(expandWord('"a $SET" \'b\'', env, '\\', { rawQuotes: true }), '"a v" \'b\'');
  assert.deepEqual(expandWords('"a b" c', env, '\\', { rawQuotes: true }), ['"a b"', 'c']);
  assert.equal(expandWord('a\\ b\\$SET', env, '\\', { rawEscapes: true }), 'a\\ b\\$SET');
  assert.equal(expandWord('"a\\"b"', env, '\\', { rawEscapes: true }), 'a\\"b');
  assert.equal(expandWord('"$SET" \'$SET\'', env, '\\', { skipProcessQuotes: true }), '"v" \'v\'');
});
