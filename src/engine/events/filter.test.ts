import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventMessage } from '../../types/index.js';
import { compileEventFilter } from './filter.js';

function ev(
  Type: EventMessage['Type'],
  Action: string,
  ID: string,
  Attributes: Record<string, string> = {},
): EventMessage {
  return { Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 1, timeNano: 1e9 };
}

const start = ev('container', 'start', 'abcdef123', { name: 'web', image: 'busybox:1.36', 'com.x': 'y' });
const execCreate = ev('container', 'exec_create: sh -c true', 'abcdef123', { name: 'web' });
const pull = ev('image', 'pull', 'busybox:1.36', { name: 'busybox:1.36' });
const vol = ev('volume', 'create', 'data', { driver: 'local' });

test('no filters match everything', () => {
  const f = compileEventFilter({});
  assert.ok([start, pull, vol].every(f));
});

test('type, event and scope', () => {
  assert.deepEqual([start, pull, vol].filter(compileEventFilter({ type: ['image', 'volume'] })), [pull, vol]);
  assert.deepEqual([start, execCreate].filter(compileEventFilter({ event: ['exec_create'] })), [execCreate]);
  assert.equal(compileEventFilter({ scope: ['swarm'] })(start), false);
});

test('container by id prefix or name; other types excluded', () => {
  assert.ok(compileEventFilter({ container: ['abc'] })(start));
  assert.ok(compileEventFilter({ container: ['web'] })(start));
  assert.equal(compileEventFilter({ container: ['db'] })(start), false);
  assert.equal(compileEventFilter({ container: ['web'] })(pull), false);
});

test('image matches the container image or the image reference, with or without tag', () => {
  const f = compileEventFilter({ image: ['busybox'] });
  assert.ok(f(start));
  assert.ok(f(pull));
  assert.equal(f(vol), false);
});

test('labels: key or key=value, all required', () => {
  assert.ok(compileEventFilter({ label: ['com.x'] })(start));
  assert.ok(compileEventFilter({ label: ['com.x=y'] })(start));
  assert.equal(compileEventFilter({ label: ['com.x=z'] })(start), false);
  assert.equal(compileEventFilter({ label: ['com.x', 'other'] })(start), false);
});

test('unknown keys are InvalidParameter', () => {
  assert.throws(() => compileEventFilter({ colour: ['red'] }), { message: "invalid filter 'colour'" });
});
