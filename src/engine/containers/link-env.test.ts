import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkEnv } from './link-env.js';

test('linkEnv: Docker’s variables for a legacy link', () => {
  assert.deepEqual(
    linkEnv('web', 'my-db', {
      ip: '172.17.0.2',
      exposedPorts: ['5432/tcp', '53/udp'],
      env: ['PATH=/bin', 'HOME=/root', 'POSTGRES_USER=app', 'EMPTY='],
    }),
    [
      'MY_DB_NAME=/web/my-db',
      'MY_DB_PORT=udp://172.17.0.2:53',
      'MY_DB_PORT_53_UDP=udp://172.17.0.2:53',
      'MY_DB_PORT_53_UDP_ADDR=172.17.0.2',
      'MY_DB_PORT_53_UDP_PORT=53',
      'MY_DB_PORT_53_UDP_PROTO=udp',
      'MY_DB_PORT_5432_TCP=tcp://172.17.0.2:5432',
      'MY_DB_PORT_5432_TCP_ADDR=172.17.0.2',
      'MY_DB_PORT_5432_TCP_PORT=5432',
      'MY_DB_PORT_5432_TCP_PROTO=tcp',
      'MY_DB_ENV_POSTGRES_USER=app',
      'MY_DB_ENV_EMPTY=',
    ],
  );
  assert.deepEqual(linkEnv('a', 'b', { ip: '172.17.0.3', exposedPorts: [], env: [] }), ['B_NAME=/a/b']);
});
