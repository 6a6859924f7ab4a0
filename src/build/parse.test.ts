// The Dockerfile parser (BuildKit's parser rules): directives, comments, continuations, keywords,
// flags, heredocs, locations, and the exact error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../errdefs/index.ts';
import { extractFlags, heredocWord, parseDockerfile, suggestion } from './parse.ts';
import type { Node } from './syntax.ts';

/** Asserts parseDockerfile refuses `text` with exactly `message`. */
function refuses(text: string, message: string, file?: string): void {
  assert.throws(() => parseDockerfile(text, file), (err: unknown) => {
    assert.ok(err instanceof BerthError, `a BerthError for ${JSON.stringify(text)}`);
    assert.equal(err.kind, 'InvalidArgument');
    assert.equal(err.message, message, `message for ${JSON.stringify(text)}`);
    return true;
  }, `refuses ${JSON.stringify(text)}`);
}

/** The nodes of `text`, without locations, for compact comparisons. */
function nodes(text: string): Omit<Node, 'location'>[] {
  return parseDockerfile(text).nodes.map(({ location: _location, ...rest }) => rest);
}

function only(text: string): Node {
  const all = parseDockerfile(text).nodes;
  assert.equal(all.length, 1, `one node in ${JSON.stringify(text)}`);
  return all[0] as Node;
}

test('a simple file: keywords upper-cased, rest trimmed, lines located', () => {
  const parsed = parseDockerfile('from alpine:3.20\n\nRun  echo hi  \ncmd ["sh"]\n', 'build/Dockerfile.dev');
  assert.deepEqual(parsed, {
    escape: '\\',
    directives: {},
    warnings: [],
    nodes: [
      { keyword: 'FROM', original: 'from alpine:3.20', flags: [], rest: 'alpine:3.20', heredocs: [], location: { file: 'build/Dockerfile.dev', startLine: 1, endLine: 1 } },
      { keyword: 'RUN', original: 'Run  echo hi  ', flags: [], rest: 'echo hi', heredocs: [], location: { file: 'build/Dockerfile.dev', startLine: 3, endLine: 3 } },
      { keyword: 'CMD', original: 'cmd ["sh"]', flags: [], rest: '["sh"]', heredocs: [], location: { file: 'build/Dockerfile.dev', startLine: 4, endLine: 4 } },
    ],
  });
});

test('every known instruction is accepted, in any case', () => {
  const keywords = ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];
  const text = keywords.map((k, i) => `${i % 2 === 0 ? k.toLowerCase() : k} x y`).join('\n');
  assert.deepEqual(parseDockerfile(text).nodes.map((n) => n.keyword), keywords);
  assert.equal(only('wOrKdIr /app').keyword, 'WORKDIR');
  assert.equal(only('RUN').rest, '');
});

test('leading whitespace before an instruction is ignored; the text after the keyword may be separated by tabs', () => {
  const n = only('   \tRUN\techo  hi');
  assert.equal(n.keyword, 'RUN');
  assert.equal(n.rest, 'echo  hi');
  assert.equal(n.original, 'RUN\techo  hi');
});

// --- parser directives -------------------------------------------------------------------------

test('parser directives at the top: syntax, escape and check, names case-insensitive, values trimmed', () => {
  const parsed = parseDockerfile('# syntax=docker/dockerfile:1.7\n#ESCAPE = `\n#  Check = skip=all \nFROM a\n');
  assert.deepEqual(parsed.directives, { syntax: 'docker/dockerfile:1.7', escape: '`', check: 'skip=all' });
  assert.equal(parsed.escape, '`');
  assert.deepEqual(parsed.nodes.map((n) => n.keyword), ['FROM']);
});

test('a directive after a comment, a blank line, an instruction or an unknown directive is a plain comment', () => {
  for (const text of [
    '# a comment\n# escape=`\nFROM a\n',
    '\n# escape=`\nFROM a\n',
    'FROM a\n# escape=`\nRUN x\n',
    '# foo=bar\n# escape=`\nFROM a\n',
    '# syntax=x\n\n# escape=`\nFROM a\n',
  ]) {
    const parsed = parseDockerfile(text);
    assert.equal(parsed.escape, '\\', JSON.stringify(text));
    assert.equal(parsed.directives.escape, undefined, JSON.stringify(text));
  }
  // The lines before the comment still count.
  assert.deepEqual(parseDockerfile('# syntax=x\n# a comment\n# check=error=true\nFROM a').directives, { syntax: 'x' });
});

test('a repeated directive after the directives ended is not an error', () => {
  assert.deepEqual(parseDockerfile('# escape=`\nFROM a\n# escape=\\\nRUN b').directives, { escape: '`' });
});

test('the escape directive changes the continuation character', () => {
  const parsed = parseDockerfile('# escape=`\nFROM a\nRUN dir c:\\ `\n  /w\nRUN echo \\\nRUN next');
  assert.deepEqual(parsed.nodes.map((n) => n.original), ['FROM a', 'RUN dir c:\\   /w', 'RUN echo \\', 'RUN next']);
});

test('a UTF-8 byte-order mark is skipped, also before a directive', () => {
  const parsed = parseDockerfile('\uFEFF# escape=`\nFROM a');
  assert.equal(parsed.escape, '`');
  assert.equal(only('\uFEFFFROM a').keyword, 'FROM');
});

// --- lines, comments, continuations ------------------------------------------------------------

test('CRLF line endings are accepted everywhere', () => {
  const parsed = parseDockerfile('# escape=`\r\nFROM a\r\nRUN one `\r\n  two\r\n# note\r\nCOPY <<EOF /x\r\nbody\r\nEOF\r\n');
  assert.equal(parsed.escape, '`');
  assert.deepEqual(parsed.nodes.map((n) => [n.keyword, n.original, n.location.startLine, n.location.endLine]), [
    ['FROM', 'FROM a', 2, 2], ['RUN', 'RUN one   two', 3, 4], ['COPY', 'COPY <<EOF /x', 6, 8],
  ]);
  assert.deepEqual(parsed.nodes[2]?.heredocs, [{ name: 'EOF', expand: true, stripTabs: false, content: 'body\n' }]);
});

test('comment lines are dropped, also indented ones and ones inside a continuation; # later in a line is text', () => {
  const parsed = parseDockerfile([
    '# top',
    'FROM a',
    '   # indented comment',
    'RUN apt-get update && \\',
    '# a comment inside the continuation',
    '    apt-get install -y x # not a comment',
    'RUN echo #hash',
  ].join('\n'));
  assert.deepEqual(parsed.nodes.map((n) => n.original), [
    'FROM a', 'RUN apt-get update &&     apt-get install -y x # not a comment', 'RUN echo #hash',
  ]);
  assert.deepEqual(parsed.nodes.map((n) => [n.location.startLine, n.location.endLine]), [[2, 2], [4, 6], [7, 7]]);
  assert.deepEqual(parsed.warnings, []);
});

test('continuations: joined as written, trailing whitespace after the escape allowed, an escaped escape ends the line', () => {
  assert.equal(only('RUN a \\\n  b \\   \n\tc\\\t\nd').original, 'RUN a   b \tcd');
  assert.equal(only('RUN a \\\n  b').rest, 'a   b');
  assert.deepEqual(nodes('RUN echo \\\\\nRUN two').map((n) => n.original), ['RUN echo \\\\', 'RUN two']);
  // A line that is only the escape character continues too.
  assert.equal(only('RUN a \\\n\\\nb').original, 'RUN a b');
  // A continuation at the end of the file just ends the instruction.
  const last = parseDockerfile('FROM a\nRUN x \\').nodes[1];
  assert.deepEqual([last?.original, last?.rest, last?.location.endLine], ['RUN x ', 'x', 2]);
  // The continuation lines count for the location.
  assert.deepEqual(parseDockerfile('FROM a\nRUN a \\\n b \\\n c\nUSER x').nodes.map((n) => [n.location.startLine, n.location.endLine]), [[1, 1], [2, 4], [5, 5]]);
});

test('an empty continuation line is skipped with a warning, not an error', () => {
  const parsed = parseDockerfile('FROM a\nRUN apk add \\\n\n    gnupg \\\n   \n    curl\nUSER x\n', 'Containerfile');
  assert.deepEqual(parsed.nodes.map((n) => n.original), ['FROM a', 'RUN apk add     gnupg     curl', 'USER x']);
  assert.deepEqual(parsed.warnings, [
    'Containerfile:2: Empty continuation line found in: RUN apk add     gnupg     curl (empty continuation lines will become errors in a future release)',
  ]);
  assert.deepEqual(parsed.nodes.map((n) => [n.location.startLine, n.location.endLine]), [[1, 1], [2, 6], [7, 7]]);
});

// --- flags -------------------------------------------------------------------------------------

test('leading flags are collected for FROM, RUN, COPY, ADD and HEALTHCHECK', () => {
  assert.deepEqual(nodes([
    'FROM --platform=linux/arm64 alpine AS b',
    'RUN --mount=type=cache,target=/c --network=none make',
    'COPY --from=b --link --chmod=0755 a /b',
    'ADD --checksum=sha256:abc https://x/y /z',
    'HEALTHCHECK --interval=5s --retries=3 CMD true',
  ].join('\n')).map((n) => [n.flags, n.rest]), [
    [['--platform=linux/arm64'], 'alpine AS b'],
    [['--mount=type=cache,target=/c', '--network=none'], 'make'],
    [['--from=b', '--link', '--chmod=0755'], 'a /b'],
    [['--checksum=sha256:abc'], 'https://x/y /z'],
    [['--interval=5s', '--retries=3'], 'CMD true'],
  ]);
});

test('flags: quotes removed and backslash escapes resolved as BuildKit does; `--` ends them; only leading ones', () => {
  assert.deepEqual(extractFlags('--chown="a b" --x=\'c d\' --y=e\\ f rest --z'), { flags: ['--chown=a b', '--x=c d', '--y=e f'], rest: 'rest --z' });
  assert.deepEqual(extractFlags('--link -- --not-a-flag x'), { flags: ['--link'], rest: ' --not-a-flag x' });
  assert.deepEqual(extractFlags('--link --'), { flags: ['--link'], rest: '' });
  assert.deepEqual(extractFlags('  -x --y'), { flags: [], rest: '-x --y' });
  assert.deepEqual(extractFlags(''), { flags: [], rest: '' });
  const n = only('RUN --mount="type=secret,id=a b" -- --help');
  assert.deepEqual([n.flags, n.rest], [['--mount=type=secret,id=a b'], '--help']);
});

test('other instructions keep --words in their text; ONBUILD keeps its trigger whole', () => {
  assert.deepEqual(nodes('ENV --x=1\nCMD --help\nENTRYPOINT --a b\nONBUILD RUN --network=none make').map((n) => [n.keyword, n.flags, n.rest]), [
    ['ENV', [], '--x=1'], ['CMD', [], '--help'], ['ENTRYPOINT', [], '--a b'], ['ONBUILD', [], 'RUN --network=none make'],
  ]);
});

// --- heredocs ----------------------------------------------------------------------------------

test('a RUN heredoc: the body up to the delimiter line, with its final newline', () => {
  const n = parseDockerfile('FROM a\nRUN <<EOF\napt-get update\n  apt-get install -y curl\n\nEOF\nUSER x').nodes[1] as Node;
  assert.deepEqual(n.heredocs, [{ name: 'EOF', expand: true, stripTabs: false, content: 'apt-get update\n  apt-get install -y curl\n\n' }]);
  assert.equal(n.rest, '<<EOF');
  assert.equal(n.original, 'RUN <<EOF');
  assert.deepEqual([n.location.startLine, n.location.endLine], [2, 6]);
});

test('heredoc forms: <<-, quoted delimiters, a partly quoted one, a file descriptor, several on one line', () => {
  const n = only('RUN <<-A 3<<"B" <<\'C\' <<D"E" cat\n\t\tone\n\tA\nb $x\nB\nc\n\t\tC\nC\nd\nDE\n');
  assert.deepEqual(n.heredocs, [
    { name: 'A', expand: true, stripTabs: true, content: 'one\n' },
    { name: 'B', expand: false, stripTabs: false, content: 'b $x\n' },
    { name: 'C', expand: false, stripTabs: false, content: 'c\n\t\tC\n' },
    { name: 'DE', expand: false, stripTabs: false, content: 'd\n' },
  ]);
  assert.equal(n.location.endLine, 10);
});

test('<<- strips leading tabs only, not spaces; without - the delimiter must be alone on its line', () => {
  const n = only('COPY <<-EOF /f\n\t  x\n  \ty\n\tEOF\n');
  assert.deepEqual(n.heredocs, [{ name: 'EOF', expand: true, stripTabs: true, content: '  x\n  \ty\n' }]);
  const m = only('RUN <<EOF\n\tEOF\n EOF\nEOF \nEOF\n');
  assert.equal(m.heredocs[0]?.content, '\tEOF\n EOF\nEOF \n');
});

test('heredocs with COPY and ADD, after flags, and for an ONBUILD trigger', () => {
  const parsed = parseDockerfile('FROM a\nCOPY --chmod=755 <<one <<two /dst/\n1\none\n2\ntwo\nADD <<x /x\nX\nx\nONBUILD RUN <<EOF\nhi\nEOF\n');
  assert.deepEqual(parsed.nodes.map((n) => [n.keyword, n.heredocs.map((h) => `${h.name}=${h.content}`)]), [
    ['FROM', []], ['COPY', ['one=1\n', 'two=2\n']], ['ADD', ['x=X\n']], ['ONBUILD', ['EOF=hi\n']],
  ]);
});

test('no heredocs: other instructions, JSON form, quoted <<, here-strings, an unterminated quote', () => {
  assert.deepEqual(nodes('CMD <<EOF\nENTRYPOINT cat <<EOF\nRUN ["cat", "<<EOF"]\nCOPY ["<<EOF", "/x"]\nRUN echo "<<EOF" \'<<X\'\nRUN cat <<<word\nRUN echo "a <<EOF\nRUN <<\nONBUILD CMD <<EOF')
    .map((n) => n.heredocs.length), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('heredocWord: what opens a heredoc', () => {
  assert.deepEqual(heredocWord('<<EOF'), { name: 'EOF', expand: true, stripTabs: false });
  assert.deepEqual(heredocWord('<<-"END"'), { name: 'END', expand: false, stripTabs: true });
  assert.deepEqual(heredocWord("2<<'a b'"), { name: 'a b', expand: false, stripTabs: false });
  assert.deepEqual(heredocWord('<<E\\OF'), { name: 'EOF', expand: true, stripTabs: false });
  for (const word of ['<<', 'EOF', '<<<EOF', '<<""', '<<"EOF', 'x<<EOF', '<<a<b']) assert.equal(heredocWord(word), undefined, word);
});

// --- suggestions -------------------------------------------------------------------------------

test('suggestion: the closest option when it is a likely typo', () => {
  const options = ['FROM', 'RUN', 'COPY', 'WORKDIR'];
  assert.equal(suggestion('RUNN', options), 'RUN');
  assert.equal(suggestion('form', options), 'FROM');
  assert.equal(suggestion('COPPY', options), 'COPY');
  assert.equal(suggestion('WORKDR', options), 'WORKDIR');
  assert.equal(suggestion('FOO', options), undefined);
  assert.equal(suggestion('BUILD', options), undefined);
});

// --- errors ------------------------------------------------------------------------------------

const MALFORMED: [name: string, text: string, message: string][] = [
  ['unknown instruction', 'FROM a\nFOO bar', 'dockerfile parse error on line 2 of Dockerfile: unknown instruction: FOO'],
  ['unknown instruction, lower-case, with a suggestion', 'FROM a\n\nrunn make', 'dockerfile parse error on line 3 of Dockerfile: unknown instruction: RUNN (did you mean RUN?)'],
  ['a transposed keyword', 'FORM a', 'dockerfile parse error on line 1 of Dockerfile: unknown instruction: FORM (did you mean FROM?)'],
  ['an unknown instruction after a continuation', 'FROM a\nRUN a \\\n b\nCOPPY x y', 'dockerfile parse error on line 4 of Dockerfile: unknown instruction: COPPY (did you mean COPY?)'],
  ['an unterminated heredoc', 'FROM a\nRUN <<EOF\necho hi\n', 'dockerfile parse error on line 2 of Dockerfile: RUN: unterminated heredoc <<EOF: no line "EOF" closes it before the end of the file'],
  ['the second of two heredocs unterminated', 'FROM a\nCOPY <<A <<-B /x\na\nA\nb\n', 'dockerfile parse error on line 2 of Dockerfile: COPY: unterminated heredoc <<-B: no line "B" closes it before the end of the file'],
  ['a heredoc delimiter with trailing text', 'FROM a\nRUN <<EOF\nx\nEOF # end', 'dockerfile parse error on line 2 of Dockerfile: RUN: unterminated heredoc <<EOF: no line "EOF" closes it before the end of the file'],
  ['a duplicate directive', '# syntax=a\n# SYNTAX=b\nFROM a', 'dockerfile parse error on line 2 of Dockerfile: only one syntax parser directive can be used'],
  ['a duplicate escape directive', '# escape=`\n# escape=`\nFROM a', 'dockerfile parse error on line 2 of Dockerfile: only one escape parser directive can be used'],
  ['an invalid escape token', '# escape=x\nFROM a', "dockerfile parse error on line 1 of Dockerfile: invalid escape token 'x' does not match ` or \\"],
  ['an empty file', '', 'dockerfile parse error on line 1 of Dockerfile: file with no instructions'],
  ['only comments and blank lines', '# syntax=x\n# hi\n\n   \n', 'dockerfile parse error on line 4 of Dockerfile: file with no instructions'],
];

for (const [name, text, message] of MALFORMED) {
  test(`refused: ${name}`, () => refuses(text, message));
}

test('errors name the file as given, and carry it as the subject', () => {
  refuses('FROM a\nBAD x', 'dockerfile parse error on line 2 of -: unknown instruction: BAD', '-');
  assert.throws(() => parseDockerfile('BAD', 'ctx/Dockerfile.ci'), (err: unknown) => err instanceof BerthError && err.subject === 'ctx/Dockerfile.ci');
});
