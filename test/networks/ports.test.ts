import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Daemon,
  docker,
  dockerOk,
  freePort,
  freeUdpPort,
  poll,
  runChecked,
  runCommand,
  waitForApi,
  withDaemon,
} from '../helpers/index.js';

/**
 * Published ports keep the client's address. The client lives in a network namespace made
 * here (as root): a veth pair HOST_IP ↔ CLIENT_IP (and HOST_IP6 ↔ CLIENT_IP6), so that it
 * reaches the host's HOST_IP:PORT from an address that is not the host's loopback.
 */
const TAG = `rltp${process.pid % 10000}`;
const NETNS = `${TAG}-ns`;
const NET = 200 + (process.pid % 50);
const HOST_IP = `10.${NET}.0.1`;
const CLIENT_IP = `10.${NET}.0.2`;
const HOST_IP6 = `fd00:72:${NET}::1`;
const CLIENT_IP6 = `fd00:72:${NET}::2`;

async function removeNetns(): Promise<void> {
  await runCommand('ip', ['link', 'del', `${TAG}a`]);
  await runCommand('ip', ['netns', 'del', NETNS]);
}

async function addNetns(): Promise<void> {
  await removeNetns();
  await runChecked('ip', ['netns', 'add', NETNS]);
  await runChecked('ip', ['link', 'add', `${TAG}a`, 'type', 'veth', 'peer', 'name', `${TAG}b`]);
  await runChecked('ip', ['link', 'set', `${TAG}b`, 'netns', NETNS]);
  await runChecked('ip', ['addr', 'add', `${HOST_IP}/30`, 'dev', `${TAG}a`]);
  await runChecked('ip', ['addr', 'add', `${HOST_IP6}/64`, 'dev', `${TAG}a`, 'nodad']);
  await runChecked('ip', ['link', 'set', `${TAG}a`, 'up']);
  for (const args of [
    ['addr', 'add', `${CLIENT_IP}/30`, 'dev', `${TAG}b`],
    ['addr', 'add', `${CLIENT_IP6}/64`, 'dev', `${TAG}b`, 'nodad'],
    ['link', 'set', `${TAG}b`, 'up'],
    ['link', 'set', 'lo', 'up'],
  ])
    await runChecked('ip', ['netns', 'exec', NETNS, 'ip', ...args]);
}

/** Runs a program in the client's namespace. */
function inClient(program: string, args: readonly string[], input?: string) {
  return runCommand('ip', ['netns', 'exec', NETNS, program, ...args], {
    timeoutMs: 10_000,
    ...(input ? { input } : {}),
  });
}

/** `peer=ADDRESS` from the container's CGI script, asked from inside the client namespace. */
async function peerFromClient(port: number, host = HOST_IP): Promise<string> {
  let last = '';
  for (let i = 0; i < 50; i++) {
    const r = await inClient('curl', ['-s', '--max-time', '3', `http://${host}:${port}/cgi-bin/peer`]);
    last = r.stdout + r.stderr;
    // busybox httpd listens on IPv6: an IPv4 peer shows as [::ffff:A.B.C.D].
    const m = /peer=\[?(?:::ffff:)?([^\]\s]+)/.exec(r.stdout);
    if (m) return m[1] as string;
    await sleep(100);
  }
  throw new Error(`no answer through the published port: ${last}`);
}

const CGI_SERVER = [
  'mkdir -p /w/cgi-bin',
  'printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho peer=\\$REMOTE_ADDR\\n" > /w/cgi-bin/peer',
  'chmod +x /w/cgi-bin/peer',
  'head -c 3000000 /dev/zero > /w/big',
  'exec httpd -f -p 80 -h /w',
].join(' && ');

describe('published ports keep the client address', () => {
  let daemon: Daemon;
  let image: string;

  before(addNetns);
  withDaemon({ images: ['busybox'] }, (env) => {
    daemon = env.daemon;
    image = env.image('busybox');
  });
  after(removeNetns);

  test('TCP: a client on another address is seen as itself, a loopback one still served', async (t) => {
    t.after(() => docker(daemon, ['rm', '-f', 'peer']));
    const port = await freePort('0.0.0.0');
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'peer',
      '-p',
      `${port}:80`,
      image,
      'sh',
      '-c',
      CGI_SERVER,
    ]);
    assert.equal(await peerFromClient(port), CLIENT_IP);
    // Loopback cannot be kept (EINVAL): the relay dials from the network's gateway instead.
    const local = await runChecked('curl', [
      '-s',
      '--max-time',
      '5',
      `http://127.0.0.1:${port}/cgi-bin/peer`,
    ]);
    assert.match(local, /peer=\[?(::ffff:)?172\.17\.0\.1\b/);
    // Published without an address: on :: too, as Docker does (where the host has IPv6).
    const v6 = await runChecked('curl', ['-s', '--max-time', '5', `http://[::1]:${port}/cgi-bin/peer`]);
    assert.match(v6, /peer=\[?(::ffff:)?172\.17\.0\.1\b/);
    const ports = await dockerOk(daemon, ['port', 'peer', '80/tcp']);
    assert.deepEqual(ports.trim().split('\n').sort(), [`0.0.0.0:${port}`, `[::]:${port}`]);
    // A body larger than the socket buffers comes through whole.
    const big = await inClient('curl', [
      '-s',
      '--max-time',
      '10',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{size_download}',
      `http://${HOST_IP}:${port}/big`,
    ]);
    assert.equal(big.stdout, '200 3000000');
  });

  test('TCP over IPv6: a client is seen as itself by a container with an IPv6 address', async (t) => {
    t.after(async () => {
      await docker(daemon, ['rm', '-f', 'peer6']);
      await docker(daemon, ['network', 'rm', 'pub6']);
    });
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', `fd00:73:${NET}::/64`, 'pub6']);
    const port = await freePort();
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'peer6',
      '--network',
      'pub6',
      '-p',
      `${port}:80`,
      image,
      'sh',
      '-c',
      CGI_SERVER,
    ]);
    // The relay dials the container's IPv6 address from the client's (not the gateway's).
    assert.equal(await peerFromClient(port, `[${HOST_IP6}]`), CLIENT_IP6);
    // An IPv4 client of the same container keeps its address too.
    assert.equal(await peerFromClient(port), CLIENT_IP);
    // Loopback cannot be kept: ::1 comes from the network's IPv4 gateway, as before.
    const local = await runChecked('curl', ['-s', '--max-time', '5', `http://[::1]:${port}/cgi-bin/peer`]);
    assert.match(local, /peer=\[?(::ffff:)?172\.\d+\.0\.1\b/);
  });

  test('many connections at once each get their whole reply; a failed dial closes the client', async (t) => {
    t.after(() => docker(daemon, ['rm', '-f', 'many']));
    const port = await freePort('0.0.0.0');
    const closed = await freePort('0.0.0.0');
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'many',
      '-p',
      `${port}:80`,
      // Nothing listens on 81 in the container: each dial is refused.
      '-p',
      `${closed}:81`,
      image,
      'sh',
      '-c',
      CGI_SERVER,
    ]);
    assert.equal(await peerFromClient(port), CLIENT_IP);
    const fetches = [
      ...Array.from({ length: 12 }, () => `http://127.0.0.1:${port}/big`),
      ...Array.from({ length: 4 }, () => `http://${HOST_IP}:${port}/big`),
    ].map((url) =>
      runCommand(
        'curl',
        ['-s', '--max-time', '20', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url],
        {
          timeoutMs: 30_000,
        },
      ),
    );
    const clientFetches = Array.from({ length: 4 }, () =>
      inClient('curl', [
        '-s',
        '--max-time',
        '9',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{size_download}',
        `http://${HOST_IP}:${port}/big`,
      ]),
    );
    const sizes = (await Promise.all([...fetches, ...clientFetches])).map((r) => r.stdout);
    assert.deepEqual(
      sizes,
      Array.from({ length: 20 }, () => '200 3000000'),
    );
    // The client's connection is accepted on the host, then closed when the dial fails.
    const ended = await new Promise<string>((resolve) => {
      const c = connect(closed, '127.0.0.1');
      c.setTimeout(15_000, () => {
        c.destroy();
        resolve('still open');
      });
      c.on('data', () => undefined);
      c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      c.once('end', () => resolve('end'));
    });
    assert.ok(['end', 'ECONNRESET'].includes(ended), ended);
  });

  test('a half-close passes through: the reply comes after the client has finished sending', async (t) => {
    t.after(() => docker(daemon, ['rm', '-f', 'halfclose']));
    const port = await freePort('0.0.0.0');
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'halfclose',
      '-p',
      `${port}:80`,
      image,
      // Reads to EOF, then answers: only works if the client's FIN reaches it and the way back
      // stays open.
      'nc',
      '-ll',
      '-p',
      '80',
      '-e',
      'sh',
      '-c',
      'wc -c; echo bye',
    ]);
    const ask = (from: 'client' | 'loopback') =>
      from === 'client'
        ? inClient('socat', ['-t', '3', '-', `TCP:${HOST_IP}:${port}`], 'hello')
        : runCommand('socat', ['-t', '3', '-', `TCP:127.0.0.1:${port}`], {
            input: 'hello12',
            timeoutMs: 10_000,
          });
    let out = '';
    for (let i = 0; i < 50 && !out.includes('bye'); i++) {
      out = (await ask('client')).stdout;
      if (!out.includes('bye')) await sleep(100);
    }
    assert.equal(out.replace(/\s+/g, ' ').trim(), '5 bye');
    assert.equal((await ask('loopback')).stdout.replace(/\s+/g, ' ').trim(), '7 bye');
  });

  /**
   * A container publishing PORT/udp that answers each datagram with `pong-<sender's address>`
   * (this busybox's nc has no -u: the host's socat, read-only through a chroot).
   */
  const udpPeer = (name: string, port: number, proto: 'UDP4' | 'UDP6', extra: string[] = []) =>
    dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      name,
      ...extra,
      '-p',
      `${port}:9999/udp`,
      '-v',
      '/:/host:ro',
      image,
      'chroot',
      '/host',
      'socat',
      `${proto}-RECVFROM:9999,fork`,
      'SYSTEM:read l; echo pong-$SOCAT_PEERADDR',
    ]);

  /** `ping` from the client's namespace to `target` (socat's address) until a pong comes back. */
  const askUdp = async (target: string): Promise<string> => {
    let out = '';
    for (let i = 0; i < 30 && !out.includes('pong-'); i++)
      out = (await inClient('socat', ['-T', '1', '-', target], 'ping\n')).stdout;
    return out;
  };

  test('UDP: the container sees the client address and its reply comes back', async (t) => {
    t.after(() => docker(daemon, ['rm', '-f', 'udpeer']));
    const port = await freeUdpPort('0.0.0.0');
    await udpPeer('udpeer', port, 'UDP4');
    const out = await askUdp(`UDP4:${HOST_IP}:${port}`);
    assert.match(out, new RegExp(`pong-${CLIENT_IP.replace(/\./g, '\\.')}\\b`));
  });

  test('UDP over IPv6: a container with an IPv6 address sees the client address', async (t) => {
    t.after(async () => {
      await docker(daemon, ['rm', '-f', 'udpeer6']);
      await docker(daemon, ['network', 'rm', 'pub6u']);
    });
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', `fd00:74:${NET}::/64`, 'pub6u']);
    const port = await freeUdpPort('::');
    await udpPeer('udpeer6', port, 'UDP6', ['--network', 'pub6u']);
    const out = await askUdp(`UDP6:[${HOST_IP6}]:${port}`);
    // socat writes the address in full (fd00:0072:…): compared in the URL's compressed form.
    const seen = /pong-\[?([^\]\s]+)/.exec(out)?.[1] ?? out;
    assert.equal(seen.includes(':') ? new URL(`http://[${seen}]/`).hostname : seen, `[${CLIENT_IP6}]`);
  });

  test('ports come back after the engine is killed, and are freed when the container stops', async (t) => {
    t.after(() => docker(daemon, ['rm', '-f', 'survivor']));
    const port = await freePort('0.0.0.0');
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'survivor',
      '-p',
      `${HOST_IP}:${port}:80`,
      image,
      'sh',
      '-c',
      CGI_SERVER,
    ]);
    assert.equal(await peerFromClient(port), CLIENT_IP);
    const engine = daemon.pids().engine;
    assert.ok(engine, 'engine pid');
    process.kill(engine, 'SIGKILL');
    await poll(() => daemon.pids().engine !== engine, { tries: 100 });
    await waitForApi(daemon);
    assert.equal(await peerFromClient(port), CLIENT_IP);
    await dockerOk(daemon, ['stop', '-t', '0', 'survivor']);
    // Freed before `stop` returns, as Docker: the port can be bound again at once.
    const s = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, HOST_IP, () => resolve(true));
    });
    if (bound) await new Promise((r) => s.close(r));
    assert.ok(bound, `port ${port} still taken after the container stopped`);
  });
});
