import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from './dockerfile-parser.js';

const message = (text: string) => {
  try {
    parseDockerfile(text);
  } catch (err) {
    return (err as Error).message;
  }
  return 'parsed';
};

test('keywords, flags, exec and shell form, comments and continuations', () => {
  const df = parseDockerfile(
    [
      '# a comment',
      'FROM --platform=linux/amd64 busybox AS base',
      '',
      'RUN echo a \\',
      '  # a comment inside',
      '',
      '  && echo b',
      'CMD ["sh", "-c", "x"]',
      'copy --from=base --chown=1:2 /a /b',
      'ENTRYPOINT [not json',
    ].join('\n'),
  );
  assert.deepEqual(
    df.instructions.map((i) => [i.cmd, i.line, i.rest, i.flags, i.json]),
    [
      ['from', 2, 'busybox AS base', { platform: 'linux/amd64' }, undefined],
      ['run', 4, 'echo a   && echo b', {}, undefined],
      ['cmd', 8, '["sh", "-c", "x"]', {}, ['sh', '-c', 'x']],
      ['copy', 9, '/a /b', { from: 'base', chown: '1:2' }, undefined],
      ['entrypoint', 10, '[not json', {}, undefined],
    ],
  );
  assert.equal(df.instructions[1]?.original, 'RUN echo a   && echo b');
  assert.equal(df.escape, '\\');
});

test('the escape directive changes the continuation character', () => {
  const df = parseDockerfile('# escape=`\nFROM x\nRUN dir c:\\ `\n  /w\n');
  assert.equal(df.escape, '`');
  assert.equal(df.instructions[1]?.rest, 'dir c:\\   /w');
  assert.match(message('# escape=x\nFROM a\n'), /invalid escape token 'x'/);
  // A directive after the first instruction is an ordinary comment.
  assert.equal(parseDockerfile('FROM a\n# escape=`\nRUN a \\\n b').escape, '\\');
});

test("unknown instructions and heredocs are Docker's parse errors", () => {
  assert.equal(
    message('FROM a\nRUN true\nBOGUS x\n'),
    'dockerfile parse error on line 3: unknown instruction: BOGUS',
  );
  assert.equal(
    message('FROM a\nCOPPY x y\n'),
    'dockerfile parse error on line 2: unknown instruction: COPPY (did you mean COPY?)',
  );
  assert.match(message('FROM a\nRUN <<EOF\necho\nEOF\n'), /line 2: RUN with a heredoc needs BuildKit/);
  assert.equal(message('FROM a\nRUN echo "a<<b"\n'), 'parsed');
});
