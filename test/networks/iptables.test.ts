import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { type Daemon, docker, dockerOk, withDaemon } from '../helpers/index.js';

const ROOT = process.getuid?.() === 0;

/** A server on the host's `host` that answers every connection with `text`. */
async function serve(host: string, text: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.end(`${text}\n`));
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

/**
 * daemon.json `"firewall-backend": "iptables"`: the container network's isolation and NAT are
 * iptables-restore and ip6tables-restore rules (the fallback where nft is missing), for IPv4
 * and IPv6 networks alike.
 */
describe('the iptables firewall backend', () => {
  let daemon: Daemon;
  let image: string;

  withDaemon({ images: ['busybox'], daemon: { daemonJson: { 'firewall-backend': 'iptables' } } }, (env) => {
    daemon = env.daemon;
    image = env.image('busybox');
  });

  /** `docker run --rm` of a shell script on a network. */
  const shIn = (network: string, script: string) => [
    'run',
    '--rm',
    '--network',
    network,
    image,
    'sh',
    '-c',
    script,
  ];

  test('NAT to the host over IPv4 and IPv6, isolation between networks, internal networks sealed', async () => {
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00:8:1::/64', 'ipt6a']);
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00:8:2::/64', 'ipt6b']);
    await dockerOk(daemon, ['network', 'create', '--internal', 'iptint']);
    const four = await serve('127.0.0.1', 'host-four');
    const six = await serve('::1', 'host-six');
    try {
      const out = await dockerOk(
        daemon,
        shIn('ipt6a', `nc -w 3 10.0.2.2 ${four.port} </dev/null; nc -w 3 fd00::2 ${six.port} </dev/null`),
      );
      assert.match(out, /host-four/, 'masquerade out of tap0 (IPv4)');
      assert.match(out, /host-six/, 'NAT66 out of tap0');
      const sealed = await dockerOk(
        daemon,
        shIn('iptint', `nc -w 2 10.0.2.2 ${four.port} </dev/null; echo rc=$?`),
      );
      assert.doesNotMatch(sealed, /host-four/);
    } finally {
      four.server.close();
      six.server.close();
    }

    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'iptweb',
      '--network',
      'ipt6a',
      image,
      'httpd',
      '-f',
      '-p',
      '80',
    ]);
    const probe = (ip: string) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${ip} 80 | head -1`;
    const same = await dockerOk(daemon, shIn('ipt6a', `${probe('fd00:8:1::2')}; ${probe('iptweb')}`));
    assert.equal((same.match(/^HTTP\/1\.[01] /gm) ?? []).length, 2, `same network: ${same}`);
    const web4 = (
      await dockerOk(daemon, ['inspect', '-f', '{{.NetworkSettings.Networks.ipt6a.IPAddress}}', 'iptweb'])
    ).trim();
    const across = await docker(daemon, shIn('ipt6b', `${probe('fd00:8:1::2')}; ${probe(web4)}`));
    assert.doesNotMatch(across.stdout, /HTTP\//, 'no path across networks, IPv4 or IPv6');

    if (ROOT) {
      const holder = daemon.pids().holder;
      assert.ok(holder, 'holder pid');
      const inNs = (program: string, args: string[]) =>
        execFileSync('nsenter', [`--net=/proc/${holder}/ns/net`, program, ...args], { encoding: 'utf8' });
      const v4 = inNs('iptables-save', []);
      const v6 = inNs('ip6tables-save', []);
      assert.match(v4, /-A ROOTLESSD-ISOLATE -o br-/);
      assert.match(v4, /-j CONNMARK --set-xmark 0x64\/0xffffffff|--set-mark 100/);
      assert.match(v6, /-A POSTROUTING -s fd00:8:1::\/64 -o tap0 -j MASQUERADE/);
      assert.doesNotMatch(inNs('nft', ['list', 'tables']), /rootlessd/, 'no nft table of ours');
    }
    await dockerOk(daemon, ['rm', '-f', 'iptweb']);
    await dockerOk(daemon, ['network', 'rm', 'ipt6a', 'ipt6b', 'iptint']);
  });
});
