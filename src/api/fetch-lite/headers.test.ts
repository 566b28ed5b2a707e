import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteHeaders } from './headers.js';

test('names are case-insensitive, iterated lower-cased and sorted; repeated values join with ", "', () => {
  const h = new LiteHeaders({ 'X-B': '2', 'Content-Type': 'application/json' });
  h.append('x-b', ' 3\t');
  h.append('X-A', '1');
  assert.equal(h.get('CONTENT-TYPE'), 'application/json');
  assert.equal(h.get('x-b'), '2, 3');
  assert.equal(h.has('X-A'), true);
  assert.deepEqual(
    [...h],
    [
      ['content-type', 'application/json'],
      ['x-a', '1'],
      ['x-b', '2, 3'],
    ],
  );
  h.set('X-B', 'only');
  h.delete('x-a');
  assert.deepEqual([...h.keys()], ['content-type', 'x-b']);
  assert.deepEqual([...h.values()], ['application/json', 'only']);
  assert.equal(h.get('missing'), null);
  assert.equal(Object.prototype.toString.call(h), '[object Headers]');
});

test('set-cookie values stay apart', () => {
  const h = new LiteHeaders([
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ]);
  assert.deepEqual(h.getSetCookie(), ['a=1', 'b=2']);
  assert.deepEqual(
    [...h.entries()],
    [
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ],
  );
  const seen: string[] = [];
  h.forEach((value, key) => {
    seen.push(`${key}=${value}`);
  });
  assert.deepEqual(seen, ['set-cookie=a=1', 'set-cookie=b=2']);
});

test('copies another Headers, a sequence of pairs, and a record with array values', () => {
  const a = new LiteHeaders({ accept: ['text/plain', 'application/json'] });
  assert.equal(a.get('accept'), 'text/plain, application/json');
  assert.equal(new LiteHeaders(a).get('Accept'), 'text/plain, application/json');
  assert.equal(new LiteHeaders(new Map([['x', 'y']])).get('x'), 'y');
  assert.equal([...new LiteHeaders(null)].length, 0);
});

test('bad names, values and pairs are TypeErrors', () => {
  const h = new LiteHeaders();
  assert.throws(() => h.append('bad name', 'x'), TypeError);
  assert.throws(() => h.set('x', 'a\r\nb'), TypeError);
  assert.throws(() => h.get(''), TypeError);
  assert.throws(() => new LiteHeaders([['only-name']] as unknown as [string, string][]), TypeError);
});
