import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus, nowNs } from './bus.js';
import { parseEventTimestamp } from './timestamp.js';

test('the ring keeps the newest events only', () => {
  const bus = new EventBus(3);
  for (let i = 0; i < 5; i++) bus.publish({ type: 'volume', action: 'create', actor: { id: `v${i}` } });
  assert.deepEqual(
    bus.history().map((e) => e.Actor.ID),
    ['v2', 'v3', 'v4'],
  );
});

test('timestamps are ordered and legacy fields follow Docker', () => {
  const bus = new EventBus();
  const a = bus.publish({
    type: 'container',
    action: 'die',
    actor: { id: 'c1', attributes: { image: 'img' } },
  });
  const b = bus.publish({ type: 'network', action: 'create', actor: { id: 'n1' } });
  assert.ok(b.timeNano > a.timeNano);
  assert.equal(a.time, Math.floor(a.timeNano / 1e9));
  assert.deepEqual([a.status, a.id, a.from], ['die', 'c1', 'img']);
  assert.equal(b.status, undefined);
});

test('until in the past: replay then end; a subscriber never breaks publishing', async () => {
  const bus = new EventBus();
  bus.subscribe(() => {
    throw new Error('bad subscriber');
  });
  bus.publish({ type: 'image', action: 'pull', actor: { id: 'x' } });
  const seen: string[] = [];
  for await (const e of bus.stream({ sinceNs: 0, untilNs: nowNs() }, new AbortController().signal))
    seen.push(e.Action);
  assert.deepEqual(seen, ['pull']);
});

test('live stream ends when the signal aborts', async () => {
  const bus = new EventBus();
  const controller = new AbortController();
  const seen: string[] = [];
  const done = (async () => {
    for await (const e of bus.stream({}, controller.signal)) {
      seen.push(e.Action);
      controller.abort();
    }
  })();
  await new Promise((r) => setImmediate(r));
  bus.publish({ type: 'volume', action: 'create', actor: { id: 'v' } });
  await done;
  assert.deepEqual(seen, ['create']);
  assert.equal(bus.subscriberCount, 0);
});

test('timestamp forms', () => {
  assert.equal(parseEventTimestamp('1700000000', 'since'), 1700000000e9);
  assert.equal(parseEventTimestamp('1700000000.5', 'since'), 1700000000e9 + 500000000);
  assert.equal(parseEventTimestamp('1h', 'since', 10_000_000), 10_000_000e6 - 3600e9);
  assert.equal(
    parseEventTimestamp('2024-01-02T03:04:05Z', 'until'),
    Date.parse('2024-01-02T03:04:05Z') * 1e6,
  );
  assert.throws(() => parseEventTimestamp('soon', 'until'), /invalid value for until/);
});

test('until in the future: the stream ends by itself, also when events arrive while it is read slowly', async () => {
  const bus = new EventBus();
  const until = nowNs() + 150e6;
  const seen: string[] = [];
  const timer = setInterval(() => bus.publish({ type: 'volume', action: 'create', actor: { id: 'x' } }), 20);
  const watchdog = setTimeout(() => assert.fail('the stream did not end at until'), 5000);
  try {
    for await (const e of bus.stream({ untilNs: until }, new AbortController().signal)) {
      seen.push(e.Actor.ID);
      // A slow reader: the deadline may pass while an event is being handled.
      await new Promise((r) => setTimeout(r, 40));
    }
  } finally {
    clearInterval(timer);
    clearTimeout(watchdog);
  }
  assert.ok(seen.length > 0);
});

test('until in the future with no events: the stream ends at until', async () => {
  const bus = new EventBus();
  const watchdog = setTimeout(() => assert.fail('the stream did not end at until'), 5000);
  const seen = [];
  for await (const e of bus.stream({ untilNs: nowNs() + 100e6 }, new AbortController().signal)) seen.push(e);
  clearTimeout(watchdog);
  assert.equal(seen.length, 0);
});
