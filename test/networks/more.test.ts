import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer, type Server } from 'node:http';
import { describe, test } from 'node:test';
import {
  type Daemon,
  docker,
  dockerOk,
  freeUdpPort,
  removeContainers,
  withDaemon,
} from '../helpers/index.js';

const HTTPD = (text: string) => `mkdir /w && echo ${text} > /w/index.html && httpd -f -p 80 -h /w`;

describe('networks: --add-host, container: mode, connect/disconnect', () => {
  let daemon: Daemon;
  let image: string;

  withDaemon({ images: ['busybox'] }, (env) => {
    daemon = env.daemon;
    image = env.image('busybox');
  });

  test('--add-host name:IP and host.docker.internal:host-gateway reach the host loopback', async () => {
    const server: Server = createHttpServer((_req, res) => res.end('hi-host\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const out = await dockerOk(daemon, [
        'run',
        '--rm',
        '--add-host',
        'host.docker.internal:host-gateway',
        '--add-host',
        'db.example:192.0.2.7',
        image,
        'sh',
        '-c',
        `cat /etc/hosts; wget -qO- http://host.docker.internal:${port}/`,
      ]);
      assert.match(out, /^10\.0\.2\.2\thost\.docker\.internal$/m);
      assert.match(out, /^192\.0\.2\.7\tdb\.example$/m);
      assert.match(out, /hi-host/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('--network container:<name> shares the namespace (localhost) and the etc files', async (t) => {
    t.after(() => removeContainers(daemon, 'nsweb'));
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'nsweb',
      '--hostname',
      'shared-host',
      image,
      'sh',
      '-c',
      HTTPD('hi-ns'),
    ]);
    const out = await dockerOk(daemon, [
      'run',
      '--rm',
      '--network',
      'container:nsweb',
      image,
      'sh',
      '-c',
      'for i in 1 2 3 4 5 6 7 8 9 10; do timeout 2 wget -qO- http://127.0.0.1:80/ && break; sleep 0.3; done; cat /etc/hostname; hostname',
    ]);
    assert.match(out, /hi-ns/);
    assert.match(out, /^shared-host\nshared-host$/m);
    const missing = await docker(daemon, ['run', '--rm', '--network', 'container:nosuch', image, 'true']);
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /No such container: nosuch/);
  });

  test('network connect / disconnect on a running container', async (t) => {
    t.after(async () => {
      await removeContainers(daemon, 'cn-web', 'cn-client');
      await docker(daemon, ['network', 'rm', 'cn-a', 'cn-b']);
    });
    await dockerOk(daemon, ['network', 'create', 'cn-a']);
    await dockerOk(daemon, ['network', 'create', 'cn-b']);
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'cn-web',
      '--network',
      'cn-b',
      image,
      'sh',
      '-c',
      HTTPD('hi-b'),
    ]);
    await dockerOk(daemon, ['run', '-d', '--name', 'cn-client', '--network', 'cn-a', image, 'sleep', '300']);
    const fetchWeb = () =>
      docker(daemon, ['exec', 'cn-client', 'timeout', '5', 'wget', '-qO-', 'http://cn-web/']);
    const before = await fetchWeb();
    assert.notEqual(before.exitCode, 0, 'not reachable before connect');
    await dockerOk(daemon, ['network', 'connect', 'cn-b', 'cn-client']);
    const connected = await fetchWeb();
    assert.equal(connected.stdout.trim(), 'hi-b', connected.stderr);
    await dockerOk(daemon, ['network', 'disconnect', 'cn-b', 'cn-client']);
    const gone = await fetchWeb();
    assert.notEqual(gone.exitCode, 0, 'not reachable after disconnect');
    const links = await dockerOk(daemon, ['exec', 'cn-client', 'ip', '-o', 'link']);
    assert.doesNotMatch(links, /eth1/);
  });

  test('-p HOST:CONT/udp relays datagrams both ways', async (t) => {
    t.after(() => removeContainers(daemon, 'udp', 'udp2'));
    const port = await freeUdpPort();
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'udp',
      '-p',
      `127.0.0.1:${port}:9999/udp`,
      // This busybox's nc has no -u: the host's socat, read-only through a chroot, echoes.
      '-v',
      '/:/host:ro',
      image,
      'chroot',
      '/host',
      'socat',
      'UDP4-RECVFROM:9999,fork',
      'SYSTEM:read l; echo got-$l >&2; echo pong-$l',
    ]);
    const portOut = await dockerOk(daemon, ['port', 'udp']);
    assert.match(portOut, new RegExp(`9999/udp -> 127\\.0\\.0\\.1:${port}`));
    const client = createSocket('udp4');
    const replies: string[] = [];
    client.on('message', (m) => replies.push(m.toString()));
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    let logs = '';
    for (let i = 0; i < 50 && !(logs.includes('got-hello-udp') && replies.join('').includes('pong')); i++) {
      client.send('hello-udp\n', port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
      logs = await docker(daemon, ['logs', 'udp']).then((r) => r.stdout + r.stderr);
    }
    client.close();
    assert.match(logs, /got-hello-udp/);
    assert.match(replies.join(''), /pong-hello-udp/);
    const taken = await docker(daemon, [
      'run',
      '-d',
      '--name',
      'udp2',
      '-p',
      `127.0.0.1:${port}:9999/udp`,
      image,
      'true',
    ]);
    assert.match(taken.stderr, /port is already allocated/);
  });
});
