// .dockerignore patterns (moby/patternmatcher and its ignorefile reader) and COPY wildcards (Go's
// filepath.Match). The tables are those of patternmatcher_test.go, ignorefile_test.go and Go's
// path/filepath match_test.go, written out as cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../errdefs/index.ts';
import { cleanPath, globMatch, hasGlob, IgnoreMatcher, parseDockerignore } from './patterns.ts';

function invalid(fn: () => unknown, message?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BerthError, 'a BerthError');
    assert.equal(err.kind, 'InvalidArgument');
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

test('parseDockerignore reads lines as ignorefile.ReadAll does', () => {
  const content = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
  assert.deepEqual(parseDockerignore(content), [
    { pattern: 'test1', exclusion: false },
    { pattern: 'test2', exclusion: false }, // a leading / is relative to the context
    { pattern: 'a/file/here', exclusion: false },
    { pattern: 'lastfile', exclusion: false },
    { pattern: 'inverted/abs/path', exclusion: true }, // spaces after ! are trimmed
    { pattern: '', exclusion: true },
    { pattern: '', exclusion: true },
  ]);
  const cases: [string, { pattern: string; exclusion: boolean }[]][] = [
    ['', []],
    ['\n\n  \n\t\n', []],
    ['  spaced  ', [{ pattern: 'spaced', exclusion: false }]],
    ['a/./b/../c/', [{ pattern: 'a/c', exclusion: false }]], // filepath.Clean
    ['//double//slash//', [{ pattern: 'double/slash', exclusion: false }]],
    ['./x', [{ pattern: 'x', exclusion: false }]],
    ['../x', [{ pattern: '../x', exclusion: false }]],
    ['/', [{ pattern: '/', exclusion: false }]], // only a pattern longer than "/" loses its slash
    ['.', [{ pattern: '.', exclusion: false }]],
    ['!a/../b', [{ pattern: 'b', exclusion: true }]],
    ['a\r\nb\r\n', [{ pattern: 'a', exclusion: false }, { pattern: 'b', exclusion: false }]],
    ['\uFEFFfirst\n\uFEFFsecond', [{ pattern: 'first', exclusion: false }, { pattern: '\uFEFFsecond', exclusion: false }]], // a BOM only at the start
    // `#` starts a comment only in the first column; trimming happens after that check.
    ['#c\n  #not a comment', [{ pattern: '#not a comment', exclusion: false }]],
    ['**/*.log\n!important.log', [{ pattern: '**/*.log', exclusion: false }, { pattern: 'important.log', exclusion: true }]],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseDockerignore(text), expected, JSON.stringify(text));
});

test('IgnoreMatcher: one pattern against one path (patternmatcher TestMatches, parent matches count)', () => {
  // [pattern, path, excluded]
  const cases: [string, string, boolean][] = [
    ['**', 'file', true],
    ['**/', 'file', true],
    ['**', 'dir/file', true],
    ['**/', 'dir/file', true],
    ['**/**', 'dir/file', true],
    ['dir/**', 'dir/file', true],
    ['dir/**', 'dir/dir2/file', true],
    ['**/dir', 'dir', true],
    ['**/dir', 'dir/file', true], // through the parent
    ['**/dir2/*', 'dir/dir2/file', true],
    ['**/dir2/**', 'dir/dir2/dir3/file', true],
    ['**file', 'file', true],
    ['**file', 'dir/file', true],
    ['**/file', 'dir/file', true],
    ['**file', 'dir/dir/file', true],
    ['**/file', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file.txt', true],
    ['**/file*txt', 'dir/dir/file.txt', true],
    ['**/file*.txt', 'dir/dir/file.txt', true],
    ['**/file*.txt*', 'dir/dir/file.txt', true],
    ['**/**/*.txt', 'dir/dir/file.txt', true],
    ['**/**/*.txt2', 'dir/dir/file.txt', false],
    ['**/*.txt', 'file.txt', true],
    ['**/**/*.txt', 'file.txt', true],
    ['a**/*.txt', 'a/file.txt', true],
    ['a**/*.txt', 'a/dir/file.txt', true],
    ['a**/*.txt', 'a/dir/dir/file.txt', true],
    ['a/*.txt', 'a/dir/file.txt', false], // `*` stays within one element
    ['a/*.txt', 'a/file.txt', true],
    ['a/*.txt**', 'a/file.txt', true],
    ['a[b-d]e', 'ae', false],
    ['a[b-d]e', 'ace', true],
    ['a[b-d]e', 'aae', false],
    ['a[^b-d]e', 'aze', true],
    ['.*', '.foo', true],
    ['.*', 'foo', false],
    ['abc.def', 'abcdef', false], // `.` is literal
    ['abc.def', 'abc.def', true],
    ['abc.def', 'abcZdef', false],
    ['abc?def', 'abcZdef', true],
    ['abc?def', 'abcdef', false],
    ['**/foo/bar', 'foo/bar', true],
    ['**/foo/bar', 'dir/foo/bar', true],
    ['**/foo/bar', 'dir/dir2/foo/bar', true],
    ['abc/**', 'abc', false], // `dir/**` is what is inside, not the directory itself
    ['abc/**', 'abc/def', true],
    ['abc/**', 'abc/def/ghi', true],
    ['**/.foo', '.foo', true],
    ['**/.foo', 'bar.foo', false],
    ['a(b)c/def', 'a(b)c/def', true],
    ['a(b)c/def', 'a(b)c/xyz', false],
    ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
    ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['a\\\\', 'a\\', true], // an escaped backslash
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    // A pattern matching a parent directory excludes everything inside it.
    ['a', 'a/b/c', true],
    ['a/b', 'a/b/c/d', true],
    ['a/b', 'a/bc', false],
    ['a*', 'ab/c', true],
    ['*/b', 'a/b/c', true],
    ['b', 'a/b', false], // patterns are anchored at the context root
    ['*.go', 'dir/x.go', false],
    ['**/*.go', 'dir/x.go', true],
    // The `**` suffix form compares strings: `**file` ends a longer name too (patternmatcher's rule).
    ['**file', 'dir/myfile', true],
    ['**/file', 'dir/myfile', false],
    ['node_modules', 'node_modules', true],
    // Only the .dockerignore reader drops a leading `/`; a pattern given as it is keeps it.
    ['/node_modules', 'node_modules/x/y', false],
    ['Dockerfile', 'dockerfile', false], // case-sensitive
    ['[!a]', '!', true], // as in Go, only `^` negates a class
    ['[!a]', 'b', false],
    ['x[^a]y', 'x/y', true], // a class can match `/` (Go's regexp and filepath.Match agree)
  ];
  for (const [pattern, path, excluded] of cases) {
    const m = new IgnoreMatcher([pattern]);
    assert.equal(m.matches(path), excluded, `pattern ${JSON.stringify(pattern)} on ${JSON.stringify(path)}`);
  }
});

test('IgnoreMatcher: the last matching pattern decides; exceptions re-include', () => {
  // [patterns, path, excluded]
  const cases: [string[], string, boolean][] = [
    [['**', '!util/docker/web'], 'util/docker/web/foo', false],
    [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
    [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    [['*'], 'fileutils.go', true],
    [['*.go'], 'fileutils.go', true],
    [['!fileutils.go', '*.go'], 'fileutils.go', true], // an exception before the pattern changes nothing
    [['*.go', '!fileutils.go'], 'fileutils.go', false],
    [['docs', '!docs/README.md'], 'docs/README.md', false],
    [['docs/', '!docs/README.md'], 'docs/README.md', false],
    [['docs/*', '!docs/README.md'], 'docs/README.md', false],
    [['docs', '!docs/README.md'], 'docs/other.md', true],
    [['*.md', '!README*.md', 'README-secret.md'], 'README.md', false],
    [['*.md', '!README*.md', 'README-secret.md'], 'README-secret.md', true],
    [['*.md', '!README*.md', 'README-secret.md'], 'CHANGES.md', true],
    [['a', '!a/b', 'a/b/c'], 'a/b/d', false],
    [['a', '!a/b', 'a/b/c'], 'a/b/c/e', true],
    [['  a  ', '  !a/b  '], 'a/b', false], // pattern strings are trimmed
    [[], 'anything', false],
    [['', '   '], 'anything', false],
  ];
  for (const [patterns, path, excluded] of cases) {
    assert.equal(new IgnoreMatcher(patterns).matches(path), excluded, `${JSON.stringify(patterns)} on ${JSON.stringify(path)}`);
  }
});

test('IgnoreMatcher takes parseDockerignore output and normalises the paths it is asked about', () => {
  assert.equal(new IgnoreMatcher(parseDockerignore('/node_modules')).matches('node_modules/x/y'), true);
  const m = new IgnoreMatcher(parseDockerignore('# build output\n/build\n*.tmp\n!keep.tmp\n**/.git\n'));
  assert.equal(m.matches('build'), true);
  assert.equal(m.matches('build/out/app'), true);
  assert.equal(m.matches('./build/x'), true);
  assert.equal(m.matches('/build/x'), true);
  assert.equal(m.matches('builder'), false);
  assert.equal(m.matches('x.tmp'), true);
  assert.equal(m.matches('keep.tmp'), false);
  assert.equal(m.matches('sub/x.tmp'), false);
  assert.equal(m.matches('.git/config'), true);
  assert.equal(m.matches('vendor/lib/.git/HEAD'), true);
  assert.equal(m.matches('.'), false); // the context itself is never excluded
  assert.equal(m.matches(''), false);
  assert.equal(new IgnoreMatcher(['*']).matches('.'), false);
  assert.equal(m.hasExceptions, true);
  assert.equal(m.empty, false);
  assert.equal(new IgnoreMatcher(parseDockerignore('# nothing\n')).empty, true);
});

test('IgnoreMatcher refuses a bare ! and malformed patterns', () => {
  invalid(() => new IgnoreMatcher(['!']), 'illegal exclusion pattern: "!"');
  invalid(() => new IgnoreMatcher(parseDockerignore('!\n')), 'illegal exclusion pattern: "!"');
  invalid(() => new IgnoreMatcher(['[']), 'syntax error in pattern "["');
  invalid(() => new IgnoreMatcher(['a[b']));
  invalid(() => new IgnoreMatcher(['[]a]']));
  invalid(() => new IgnoreMatcher(['x\\'])); // a trailing backslash
  invalid(() => new IgnoreMatcher(['!a[']));
});

test('mayContainExceptions: whether an excluded directory must still be walked', () => {
  // [patterns, excluded directory, may contain something re-included]
  const cases: [string[], string, boolean][] = [
    [['a'], 'a', false],
    [['a', '!b'], 'a', false],
    [['a', '!a/b'], 'a', true],
    [['a', '!a/b/c'], 'a', true],
    [['a', '!a/b/c'], 'a/b', true],
    [['a', '!a/b/c'], 'a/x', false],
    [['a', '!a'], 'a', false], // an exception for the directory itself says nothing about its contents
    [['a', '!*/keep'], 'a', true],
    [['a', '!*/keep'], 'a/b', false],
    [['a', '!**/*.go'], 'a', true],
    [['a', '!**/*.go'], 'a/b/c', true],
    [['a', '!**.go'], 'a', true],
    [['node_modules', '!node_modules/keep/**'], 'node_modules', true],
    [['node_modules', '!node_modules/keep/**'], 'node_modules/keep', true],
    [['node_modules', '!node_modules/keep/**'], 'node_modules/other', false],
    [['docs', '!docs/*.md'], 'docs', true],
    [['docs', '!docs/*.md'], 'docs/sub', false],
    [['docs', '!d?cs/x'], 'docs', true],
    [['docs', '!d[a-z]cs/x'], 'docs', true], // classes are answered conservatively
    [['*'], '.', false],
    [['*', '!x'], '.', true],
  ];
  for (const [patterns, dir, expected] of cases) {
    assert.equal(new IgnoreMatcher(patterns).mayContainExceptions(dir), expected, `${JSON.stringify(patterns)} in ${dir}`);
  }
});

test('mayContainExceptions never lets a walker skip a re-included path', () => {
  // Every directory of a small tree, against pattern sets: when a directory is excluded and the
  // matcher says it may be skipped, nothing under it may be included.
  const tree = [
    'a', 'a/b', 'a/b/c', 'a/b/c/x.go', 'a/b/d.md', 'a/keep', 'a/keep/f', 'a/x.go', 'b', 'b/keep', 'b/a',
    'b/a/b', 'docs', 'docs/a.md', 'docs/a.md/inner', 'docs/sub', 'docs/sub/b.md', 'node_modules',
    'node_modules/keep', 'node_modules/keep/index.js', 'node_modules/other', 'node_modules/other/x.go',
  ];
  const patternSets = [
    ['a', '!a/b'], ['*', '!*/keep'], ['**', '!**/*.go'], ['docs', '!docs/*.md'], ['a', '!a', 'a/b'],
    ['node_modules', '!node_modules/keep/**'], ['*/', '!b/a/b'], ['**/b', '!a/b/c'], ['a/**', '!a/k*'],
    ['docs', '!docs/*.md', 'docs/a.md'], ['**', '!*/*/x.go'], ['*', '!a/?/c'],
  ];
  for (const patterns of patternSets) {
    const m = new IgnoreMatcher(patterns);
    for (const dir of tree) {
      if (!m.matches(dir) || m.mayContainExceptions(dir)) continue;
      for (const path of tree.filter((p) => p.startsWith(`${dir}/`))) {
        assert.equal(m.matches(path), true, `${JSON.stringify(patterns)}: skipping ${dir} would lose ${path}`);
      }
    }
  }
});

test('globMatch is Go\'s filepath.Match (path/filepath match_test.go)', () => {
  // [pattern, name, matches]; null: the pattern is malformed
  const cases: [string, string, boolean | null][] = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false], // `*` does not cross `/`
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true], // `?` is one character, not one byte
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['[]a]', ']', null],
    ['[-]', '-', null],
    ['[x-]', 'x', null],
    ['[x-]', '-', null],
    ['[x-]', 'z', null],
    ['[-x]', 'x', null],
    ['[-x]', '-', null],
    ['[-x]', 'a', null],
    ['\\', 'a', null],
    ['[a-b-c]', 'a', null],
    ['[', 'a', null],
    ['[^', 'a', null],
    ['[^bc', 'a', null],
    ['a[', 'a', null],
    ['a[', 'ab', null],
    ['a[', 'x', null],
    ['a/b[', 'a/b', null], // a malformed remainder is reported even when the start does not match
    ['*x', 'xxx', true],
    // More of the rules COPY relies on.
    ['*.txt', 'notes.txt', true],
    ['*.txt', 'dir/notes.txt', false],
    ['*/*.txt', 'dir/notes.txt', true],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['?', '', false],
    ['[!a]', '!', true], // only `^` negates; `!` is a member
    ['[!a]', 'b', false],
    ['[^a]', '/', true], // a class can match `/`
    ['\\?', '?', true],
    ['\\?', 'a', false],
    ['file[0-9].log', 'file7.log', true],
    ['file[0-9].log', 'filex.log', false],
  ];
  for (const [pattern, name, expected] of cases) {
    if (expected === null) invalid(() => globMatch(pattern, name));
    else assert.equal(globMatch(pattern, name), expected, `globMatch(${JSON.stringify(pattern)}, ${JSON.stringify(name)})`);
  }
});

test('hasGlob: unescaped * ? [ (fsutil containsWildcards)', () => {
  const cases: [string, boolean][] = [
    ['file.txt', false],
    ['dir/file', false],
    ['*.txt', true],
    ['file?.txt', true],
    ['file[0-9]', true],
    ['a]b', false],
    ['\\*.txt', false], // escaped
    ['\\[x]', false],
    ['\\\\*', true], // an escaped backslash, then a star
    ['{a,b}', false], // no brace expansion
    ['', false],
  ];
  for (const [pattern, expected] of cases) assert.equal(hasGlob(pattern), expected, `hasGlob(${JSON.stringify(pattern)})`);
});

test('cleanPath is Go\'s filepath.Clean', () => {
  const cases: [string, string][] = [
    ['', '.'],
    ['.', '.'],
    ['/', '/'],
    ['//', '/'],
    ['abc', 'abc'],
    ['abc/', 'abc'],
    ['abc//def', 'abc/def'],
    ['./abc', 'abc'],
    ['abc/./def', 'abc/def'],
    ['abc/../def', 'def'],
    ['abc/..', '.'],
    ['..', '..'],
    ['../..', '../..'],
    ['../../abc', '../../abc'],
    ['abc/../../def', '../def'],
    ['/..', '/'],
    ['/../abc', '/abc'],
    ['/abc/def/../../..', '/'],
    ['a/b/c/../../d/./e/', 'a/d/e'],
  ];
  for (const [input, expected] of cases) assert.equal(cleanPath(input), expected, `cleanPath(${JSON.stringify(input)})`);
});
