import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSize, resolveLogConfig, rotationOf } from './log-config.js';

test('parseSize: go-units binary sizes', () => {
  assert.equal(parseSize('10k'), 10240);
  assert.equal(parseSize('1.5m'), 1.5 * 1024 * 1024);
  assert.equal(parseSize('20MB'), 20 * 1024 * 1024);
  assert.equal(parseSize('512'), 512);
  assert.throws(() => parseSize('ten'), /invalid size: 'ten'/);
});

test('resolveLogConfig: defaults, daemon options for the daemon driver only, Docker errors', () => {
  assert.deepEqual(resolveLogConfig(undefined), { Type: 'json-file', Config: {} });
  const defaults = { driver: 'json-file', opts: { 'max-size': '1m', 'max-file': '3' } };
  assert.deepEqual(resolveLogConfig({ Type: '', Config: { 'max-file': '2' } }, defaults), {
    Type: 'json-file',
    Config: { 'max-file': '2', 'max-size': '1m' },
  });
  assert.deepEqual(resolveLogConfig({ Type: 'local' }, defaults), { Type: 'local', Config: {} });
  assert.throws(() => resolveLogConfig({ Type: 'nope' }), /logger: no log driver named 'nope' is registered/);
  assert.throws(
    () => resolveLogConfig({ Type: 'syslog' }),
    /logging driver "syslog" is not supported by rootlessd/,
  );
  assert.throws(
    () => resolveLogConfig({ Type: 'json-file', Config: { colour: 'x' } }),
    /unknown log opt 'colour' for json-file log driver/,
  );
  assert.throws(() => resolveLogConfig({ Config: { 'max-file': '0' } }), /max-file cannot be less than 1/);
  assert.throws(() => resolveLogConfig({ Config: { 'max-size': 'big' } }), /invalid size: 'big'/);
});

test('rotationOf: none without max-size; local has Docker defaults', () => {
  assert.equal(rotationOf({ Type: 'json-file', Config: {} }), undefined);
  assert.deepEqual(rotationOf({ Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '2' } }), {
    maxSize: 10240,
    maxFile: 2,
  });
  assert.deepEqual(rotationOf({ Type: 'json-file', Config: { 'max-size': '10k' } }), {
    maxSize: 10240,
    maxFile: 1,
  });
  assert.deepEqual(rotationOf({ Type: 'local', Config: {} }), { maxSize: 20 * 1024 * 1024, maxFile: 5 });
});
