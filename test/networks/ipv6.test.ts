import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import {
  type Daemon,
  docker,
  dockerJson,
  dockerOk,
  dockerode,
  freePort,
  poll,
  waitForApi,
  withDaemon,
} from '../helpers/index.js';

interface NetworkInspect {
  Name: string;
  EnableIPv6: boolean;
  IPAM: { Config: { Subnet: string; Gateway: string; IPRange?: string }[] };
  Containers: Record<string, { Name: string; IPv4Address: string; IPv6Address: string }>;
}

interface EndpointSettings {
  IPAddress: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPv6Gateway: string;
  IPAMConfig: { IPv6Address?: string } | null;
}

const HTTPD = 'mkdir /w && echo hi-six > /w/index.html && httpd -f -p 80 -h /w';

describe('IPv6 on docker networks', () => {
  let daemon: Daemon;
  let image: string;

  withDaemon({ images: ['busybox'] }, (env) => {
    daemon = env.daemon;
    image = env.image('busybox');
  });

  test('network create --ipv6: given subnet, dual stack, default ULA /64, overlap refused', async () => {
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00:dead:beef::/64', 'six']);
    const [six] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'six']);
    assert.equal(six?.EnableIPv6, true);
    const v6 = six?.IPAM.Config.find((c) => c.Subnet.includes(':'));
    assert.deepEqual(v6, { Subnet: 'fd00:dead:beef::/64', Gateway: 'fd00:dead:beef::1' });
    assert.ok(
      six?.IPAM.Config.some((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.Subnet)),
      'dual stack',
    );

    await dockerOk(daemon, [
      'network',
      'create',
      '--ipv6',
      '--subnet',
      '10.78.0.0/24',
      '--subnet',
      'fd00:1:2::/64',
      '--gateway',
      'fd00:1:2::fe',
      '--ip-range',
      'fd00:1:2::100/120',
      'dual',
    ]);
    const [dual] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'dual']);
    assert.deepEqual(dual?.IPAM.Config, [
      { Subnet: '10.78.0.0/24', Gateway: '10.78.0.1' },
      { Subnet: 'fd00:1:2::/64', IPRange: 'fd00:1:2::100/120', Gateway: 'fd00:1:2::fe' },
    ]);

    await dockerOk(daemon, ['network', 'create', '--ipv6', 'auto6']);
    await dockerOk(daemon, ['network', 'create', '--ipv6', 'auto6b']);
    const autos = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'auto6', 'auto6b']);
    const subnets = autos.map((n) => n.IPAM.Config.find((c) => c.Subnet.includes(':'))?.Subnet ?? '');
    for (const s of subnets)
      assert.match(s, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{0,4}:?:\/64$/);
    assert.notEqual(subnets[0], subnets[1], 'each network gets its own /64');
    const ls = await dockerOk(daemon, ['network', 'ls', '--format', '{{.Name}} {{.IPv6}}']);
    assert.match(ls, /^six true$/m);
    assert.match(ls, /^bridge false$/m);

    const overlap = await docker(daemon, [
      'network',
      'create',
      '--ipv6',
      '--subnet',
      'fd00:dead:beef::/80',
      'x',
    ]);
    assert.notEqual(overlap.exitCode, 0);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    const slirp = await docker(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00::/64', 'x']);
    assert.match(slirp.stderr, /Pool overlaps/, "slirp4netns's own fd00::/64 is taken");
    // The CLI checks a gateway outside the subnet itself; the daemon too (400, its message).
    const badGw = await docker(daemon, [
      'network',
      'create',
      '--ipv6',
      '--subnet',
      'fd00:9::/64',
      '--gateway',
      'fd00:8::1',
      'x',
    ]);
    assert.match(badGw.stderr, /no matching subnet for gateway fd00:8::1/);
    const apiErr = await dockerode(daemon)
      .createNetwork({
        Name: 'x',
        EnableIPv6: true,
        IPAM: { Config: [{ Subnet: 'fd00:9::/64', Gateway: 'fd00:8::1' }] },
      })
      .then(
        () => undefined,
        (err: { statusCode?: number; message?: string }) => err,
      );
    assert.equal(apiErr?.statusCode, 400);
    assert.match(apiErr?.message ?? '', /Invalid gateway fd00:8::1 for subnet fd00:9::\/64/);
    // Without --ipv6 an IPv6 subnet is ignored: the network is IPv4-only.
    await dockerOk(daemon, ['network', 'create', '--subnet', 'fd00:7::/64', 'nosix']);
    const [nosix] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'nosix']);
    assert.equal(nosix?.EnableIPv6, false);
    assert.ok(!nosix?.IPAM.Config.some((c) => c.Subnet.includes(':')), JSON.stringify(nosix?.IPAM));
    await dockerOk(daemon, ['network', 'rm', 'dual', 'auto6', 'auto6b', 'nosix']);
  });

  test('containers get IPv6 addresses, reach each other over IPv6, resolve AAAA, are isolated', async () => {
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00:6:1::/64', 'v6a']);
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00:6:2::/64', 'v6b']);
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'web6',
      '--network',
      'v6a',
      '--network-alias',
      'www6',
      '--ip6',
      'fd00:6:1::42',
      image,
      'sh',
      '-c',
      HTTPD,
    ]);
    const nets = await dockerJson<Record<string, EndpointSettings>>(daemon, [
      'inspect',
      '--format',
      '{{json .NetworkSettings.Networks}}',
      'web6',
    ]);
    assert.equal(nets.v6a?.GlobalIPv6Address, 'fd00:6:1::42');
    assert.equal(nets.v6a?.GlobalIPv6PrefixLen, 64);
    assert.equal(nets.v6a?.IPv6Gateway, 'fd00:6:1::1');
    assert.equal(nets.v6a?.IPAMConfig?.IPv6Address, 'fd00:6:1::42');
    const [a] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'v6a']);
    assert.equal(Object.values(a?.Containers ?? {})[0]?.IPv6Address, 'fd00:6:1::42/64');

    const inside = await dockerOk(daemon, [
      'exec',
      'web6',
      'sh',
      '-c',
      'ip -6 addr show dev eth0; ip -6 route; cat /etc/hosts',
    ]);
    assert.match(inside, /inet6 fd00:6:1::42\/64/);
    assert.match(inside, /default via fd00:6:1::1 dev eth0/);
    assert.match(inside, /^fd00:6:1::42\s+\S+$/m, 'the container lists its IPv6 address in /etc/hosts');

    // A second container: automatic address, AAAA for name and alias, HTTP over IPv6.
    const client = await dockerOk(daemon, [
      'run',
      '--rm',
      '--network',
      'v6a',
      image,
      'sh',
      '-c',
      [
        'ip -6 addr show dev eth0 | grep -o "inet6 fd00:6:1:[^ ]*"',
        'nslookup -type=AAAA web6',
        'nslookup -type=AAAA www6',
        'wget -qO- "http://[fd00:6:1::42]/"',
        'ping -6 -c1 -W2 fd00:6:1::42 >/dev/null && echo ping6-ok || echo ping6-none',
      ].join('; '),
    ]);
    assert.match(client, /inet6 fd00:6:1::2\/64/, 'the lowest free address after the gateway');
    assert.equal((client.match(/Address:\s+fd00:6:1::42/g) ?? []).length, 2, client);
    assert.match(client, /hi-six/);
    assert.match(client, /ping6-ok/, 'ICMPv6 echo between containers');

    // Another IPv6 network cannot reach it over IPv6.
    const across = await docker(daemon, [
      'run',
      '--rm',
      '--init',
      '--network',
      'v6b',
      image,
      'timeout',
      '3',
      'wget',
      '-qO-',
      'http://[fd00:6:1::42]/',
    ]);
    assert.notEqual(across.exitCode, 0, 'no IPv6 path across networks');
    assert.equal(across.stdout, '');

    // --ip6 outside the subnet, and on a network without IPv6.
    const outside = await docker(daemon, [
      'run',
      '--rm',
      '--network',
      'v6a',
      '--ip6',
      'fd00:9::5',
      image,
      'true',
    ]);
    assert.match(outside.stderr, /does not belong to any of this network's subnets/);
    await dockerOk(daemon, ['rm', '-f', 'web6']);
    await dockerOk(daemon, ['network', 'rm', 'v6a', 'v6b']);
  });

  test('the embedded DNS answers on the IPv6 gateway too: names resolve without IPv4', async (t) => {
    t.after(async () => {
      await docker(daemon, ['rm', '-f', 'dnstarget']);
      await docker(daemon, ['network', 'rm', 'v6dns']);
    });
    await dockerOk(daemon, [
      'network',
      'create',
      '--ipv6',
      '--subnet',
      '10.79.0.0/24',
      '--subnet',
      'fd00:6:8::/64',
      'v6dns',
    ]);
    await dockerOk(daemon, ['run', '-d', '--name', 'dnstarget', '--network', 'v6dns', image, 'sleep', '300']);
    const out = await dockerOk(daemon, [
      'run',
      '--rm',
      '--network',
      'v6dns',
      '--cap-add',
      'NET_ADMIN',
      '--link',
      'dnstarget:tgtalias',
      image,
      'sh',
      '-c',
      [
        'cat /etc/resolv.conf',
        'echo ---explicit',
        'nslookup dnstarget fd00:6:8::1',
        'nslookup tgtalias fd00:6:8::1',
        // No IPv4 any more: the IPv4 gateway (first name server) is unreachable, and the C
        // library's resolver goes on to the IPv6 one.
        'ip -4 addr flush dev eth0',
        'echo ---v4-left: $(ip -4 addr show dev eth0 | grep -c inet)',
        'ping -c1 -W2 dnstarget | head -1',
        'ping -c1 -W2 tgtalias | head -1',
      ].join('; '),
    ]);
    const [resolv = '', rest = ''] = out.split('---explicit');
    assert.match(resolv, /^nameserver 10\.79\.0\.1\nnameserver fd00:6:8::1$/m, resolv);
    const [explicit = '', noV4 = ''] = rest.split('---v4-left');
    assert.equal((explicit.match(/Address:\s+fd00:6:8::2/g) ?? []).length, 2, `AAAA over IPv6: ${explicit}`);
    assert.equal((explicit.match(/Address:\s+10\.79\.0\.2/g) ?? []).length, 2, `A over IPv6: ${explicit}`);
    assert.match(noV4, /^: 0/);
    assert.match(noV4, /^PING dnstarget \(fd00:6:8::2\)/m, noV4);
    assert.match(noV4, /^PING tgtalias \(fd00:6:8::2\)/m, `--link alias over IPv6: ${noV4}`);
  });

  test('network connect with an IPv6 address (dockerode); internal IPv6 networks have no way out', async () => {
    const api = dockerode(daemon);
    await api.createNetwork({
      Name: 'v6c',
      EnableIPv6: true,
      IPAM: { Config: [{ Subnet: 'fd00:6:3::/64' }] },
    });
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--internal', '--subnet', 'fd00:6:4::/64', 'v6i']);
    await dockerOk(daemon, ['run', '-d', '--name', 'conn6', image, 'sleep', '300']);
    // On the IPv4-only default bridge IPv6 is off on eth0, as with Docker: not even fe80::.
    const v4only = await dockerOk(daemon, [
      'exec',
      'conn6',
      'sh',
      '-c',
      'cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6; ip -6 addr show dev eth0; echo end',
    ]);
    assert.equal(v4only, '1\nend\n');
    await api.getNetwork('v6c').connect({
      Container: 'conn6',
      EndpointConfig: { IPAMConfig: { IPv6Address: 'fd00:6:3::77' } },
    });
    const info = await api.getContainer('conn6').inspect();
    const ep = info.NetworkSettings.Networks.v6c as unknown as EndpointSettings;
    assert.equal(ep.GlobalIPv6Address, 'fd00:6:3::77');
    assert.equal(ep.IPv6Gateway, 'fd00:6:3::1');
    assert.equal(
      (info.NetworkSettings as unknown as { GlobalIPv6Address: string }).GlobalIPv6Address,
      '',
      'the default bridge has no IPv6',
    );
    const addr = await dockerOk(daemon, ['exec', 'conn6', 'ip', '-6', 'addr', 'show', 'dev', 'eth1']);
    assert.match(addr, /inet6 fd00:6:3::77\/64/);
    assert.match(addr, /inet6 fe80::/, 'IPv6 is on for the interface of the IPv6 network');
    const after6 = await dockerOk(daemon, [
      'exec',
      'conn6',
      'sh',
      '-c',
      'ip -6 addr show dev eth0; ping -6 -c1 -W2 fd00:6:3::1 >/dev/null && echo ping6-ok',
    ]);
    assert.equal(after6, 'ping6-ok\n', 'eth0 stays without IPv6; eth1 carries it');

    const sealed = await dockerOk(daemon, [
      'run',
      '--rm',
      '--network',
      'v6i',
      image,
      'sh',
      '-c',
      'ip -6 route; nc -w 2 fd00::2 9 </dev/null; echo rc=$?',
    ]);
    assert.doesNotMatch(sealed, /default/);
    assert.match(sealed, /rc=1/);
    await dockerOk(daemon, ['rm', '-f', 'conn6']);
    await dockerOk(daemon, ['network', 'rm', 'v6c', 'v6i']);
  });

  test('a container on an IPv6 network reaches the host over IPv6 and is published on ::', async () => {
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00:6:5::/64', 'v6p']);
    // A server on the host's ::1, reached through slirp4netns's fd00::2 (NAT66 out of tap0).
    const server: Server = createServer((s) => s.end('from-host-six\n'));
    await new Promise<void>((r) => server.listen(0, '::1', () => r()));
    const hostPort = (server.address() as { port: number }).port;
    try {
      const out = await dockerOk(daemon, [
        'run',
        '--rm',
        '--network',
        'v6p',
        image,
        'sh',
        '-c',
        `nc -w 3 fd00::2 ${hostPort} </dev/null`,
      ]);
      assert.match(out, /from-host-six/);
    } finally {
      server.close();
    }

    const port = await freePort();
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'pub6',
      '--network',
      'v6p',
      '-p',
      `${port}:80`,
      image,
      'sh',
      '-c',
      HTTPD,
    ]);
    const get = async (host: string) => {
      for (let i = 0; i < 50; i++) {
        const body = await fetch(`http://${host}:${port}/`).then(
          (r) => r.text(),
          () => '',
        );
        if (body) return body;
        await new Promise((r) => setTimeout(r, 100));
      }
      return '';
    };
    assert.equal((await get('[::1]')).trim(), 'hi-six');
    assert.equal((await get('127.0.0.1')).trim(), 'hi-six');
    await dockerOk(daemon, ['rm', '-f', 'pub6']);
    await dockerOk(daemon, ['network', 'rm', 'v6p']);
  });

  test('IPv6 addresses, names and routes survive an engine kill and restart', async (t) => {
    t.after(async () => {
      await docker(daemon, ['rm', '-f', 'keep6']);
      await docker(daemon, ['network', 'rm', 'v6r']);
    });
    await dockerOk(daemon, ['network', 'create', '--ipv6', '--subnet', 'fd00:6:7::/64', 'v6r']);
    await dockerOk(daemon, ['run', '-d', '--name', 'keep6', '--network', 'v6r', image, 'sh', '-c', HTTPD]);
    const engine = daemon.pids().engine;
    assert.ok(engine, 'engine pid');
    process.kill(engine, 'SIGKILL');
    await poll(() => daemon.pids().engine !== engine, { tries: 100 });
    await waitForApi(daemon);
    const [n] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'v6r']);
    assert.equal(n?.EnableIPv6, true);
    assert.equal(Object.values(n?.Containers ?? {})[0]?.IPv6Address, 'fd00:6:7::2/64');
    const out = await dockerOk(daemon, [
      'run',
      '--rm',
      '--network',
      'v6r',
      image,
      'sh',
      '-c',
      'ip -6 addr show dev eth0 | grep -o "inet6 fd00:6:7:[^ ]*"; nslookup -type=AAAA keep6; wget -qO- "http://[fd00:6:7::2]/"',
    ]);
    assert.match(out, /inet6 fd00:6:7::3\/64/, 'the running container keeps its address');
    assert.match(out, /Address:\s+fd00:6:7::2/);
    assert.match(out, /hi-six/);
  });
});

describe('IPv6 on the default bridge (daemon.json ipv6 + fixed-cidr-v6)', () => {
  let daemon: Daemon;
  let image: string;

  withDaemon(
    { images: ['busybox'], daemon: { daemonJson: { ipv6: true, 'fixed-cidr-v6': 'fd00:6:9::/64' } } },
    (env) => {
      daemon = env.daemon;
      image = env.image('busybox');
    },
  );

  test('the default bridge has the IPv6 pool; containers on it get addresses', async () => {
    const [bridge] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'bridge']);
    assert.equal(bridge?.EnableIPv6, true);
    assert.ok(bridge?.IPAM.Config.some((c) => c.Subnet === 'fd00:6:9::/64' && c.Gateway === 'fd00:6:9::1'));
    const out = await dockerOk(daemon, ['run', '--rm', image, 'sh', '-c', 'ip -6 addr show dev eth0']);
    assert.match(out, /inet6 fd00:6:9::2\/64/);
    await dockerOk(daemon, ['run', '-d', '--name', 'b6', image, 'sleep', '300']);
    const s = await dockerJson<{
      GlobalIPv6Address: string;
      IPv6Gateway: string;
      GlobalIPv6PrefixLen: number;
    }>(daemon, ['inspect', '--format', '{{json .NetworkSettings}}', 'b6']);
    assert.equal(s.GlobalIPv6Address, 'fd00:6:9::2');
    assert.equal(s.IPv6Gateway, 'fd00:6:9::1');
    assert.equal(s.GlobalIPv6PrefixLen, 64);
    await dockerOk(daemon, ['rm', '-f', 'b6']);
  });
});
