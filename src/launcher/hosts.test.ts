import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParameter } from '../errdefs/index.js';
import { parseHosts } from './hosts.js';

const dflt = '/run/user/1001/docker.sock';

test('no hosts means the default socket', () => {
  assert.deepEqual(parseHosts([], {}, dflt), { unixSockets: [dflt], tcpListeners: [] });
});

test('unix hosts in both spellings, deduplicated, in order', () => {
  const r = parseHosts(['unix:///tmp/a.sock', '/tmp/b.sock', 'unix:///tmp/a.sock', 'unix://'], {}, dflt);
  assert.deepEqual(r.unixSockets, ['/tmp/a.sock', '/tmp/b.sock', dflt]);
});

test('plain TCP is refused with the reason; TCP with TLS is accepted', () => {
  assert.throws(
    () => parseHosts(['tcp://0.0.0.0:2375'], {}, dflt),
    (e) => e instanceof InvalidParameter && /TLS/.test(e.message),
  );
  const tls = { tlsverify: true, tlscacert: '/c/ca.pem', tlscert: '/c/cert.pem', tlskey: '/c/key.pem' };
  assert.throws(
    () => parseHosts(['tcp://0.0.0.0:2376'], { ...tls, tlsverify: false }, dflt),
    InvalidParameter,
  );
  const r = parseHosts(['tcp://127.0.0.1:2376', 'tcp://[::1]'], tls, dflt);
  assert.deepEqual(r.unixSockets, [dflt]);
  assert.deepEqual(r.tcpListeners, [
    { host: '127.0.0.1', port: 2376, tls: { ca: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem' } },
    { host: '::1', port: 2376, tls: { ca: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem' } },
  ]);
});

test('fd://, unknown schemes, relative and too long paths are refused', () => {
  assert.throws(() => parseHosts(['fd://'], {}, dflt), /socket activation/);
  assert.throws(() => parseHosts(['ssh://x'], {}, dflt), InvalidParameter);
  assert.throws(() => parseHosts(['unix://rel.sock'], {}, dflt), /absolute/);
  assert.throws(() => parseHosts([`/${'x'.repeat(120)}`], {}, dflt), /longer than/);
});
