import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envMap, expandWord, expandWords, nameValuePairs, splitRawWords } from './variables.js';

const vars = envMap(['A=1', 'EMPTY=', 'P=/x y']);

test('substitution forms and quotes', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile substitution, not a template
  assert.equal(expandWord('$A-${A}-${NOPE}', vars), '1-1-');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile substitution, not a template
  assert.equal(expandWord('${NOPE:-def}|${EMPTY:-def}|${EMPTY-def}|${A:-def}', vars), 'def|def||1');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile substitution, not a template
  assert.equal(expandWord('${A:+set}|${EMPTY:+set}|${EMPTY+set}|${NOPE+set}', vars), 'set||set|');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile substitution, not a template
  assert.equal(expandWord('${NOPE:-${A}x}', vars), '1x');
  assert.equal(expandWord(`'$A' "$A" \\$A "\\$A" $`, vars), '$A 1 $A $A $');
  assert.equal(expandWord('`$A', vars, '`'), '$A');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile substitution, not a template
  assert.throws(() => expandWord('${NOPE:?must be set}', vars), /NOPE: must be set/);
  assert.throws(() => expandWord('"open', vars), /double-quote/);
});

test('word splitting keeps expanded values whole', () => {
  assert.deepEqual(expandWords('a "b c"  $P', vars), ['a', 'b c', '/x y']);
  assert.deepEqual(splitRawWords('A="b c" D=e\\ f'), ['A="b c"', 'D=e\\ f']);
});

test('ENV/LABEL name=value pairs and the legacy form', () => {
  assert.deepEqual(nameValuePairs('env', 'A=1 B="two words"'), [
    ['A', '1'],
    ['B', '"two words"'],
  ]);
  assert.deepEqual(nameValuePairs('env', 'KEY value with spaces'), [['KEY', 'value with spaces']]);
  assert.throws(() => nameValuePairs('env', 'A=1 B'), /can't find = in "B"/);
  assert.throws(() => nameValuePairs('env', 'ONLY'), /ENV must have two arguments/);
});
