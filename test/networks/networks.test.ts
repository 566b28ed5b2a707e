import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Daemon,
  docker,
  dockerJson,
  dockerOk,
  freePort,
  removeContainers,
  withDaemon,
} from '../helpers/index.js';

interface NetworkInspect {
  Name: string;
  Id: string;
  Internal: boolean;
  IPAM: { Config: { Subnet: string; Gateway: string }[] };
  Containers: Record<string, { Name: string; IPv4Address: string; MacAddress: string; EndpointID: string }>;
}

describe('docker network: bridges, DNS, isolation, published ports', () => {
  let daemon: Daemon;
  let image: string;

  withDaemon({ images: ['busybox'] }, (env) => {
    daemon = env.daemon;
    image = env.image('busybox');
  });

  test('predefined networks are listed; create, inspect, duplicate, ls filters, rm', async () => {
    const ls = await dockerOk(daemon, ['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
    for (const line of ['bridge bridge', 'host host', 'none null']) assert.ok(ls.includes(line), ls);
    const id = (
      await dockerOk(daemon, ['network', 'create', '--label', 'k=v', '--subnet', '10.77.0.0/24', 'n1'])
    ).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const dup = await docker(daemon, ['network', 'create', 'n1']);
    assert.notEqual(dup.exitCode, 0);
    assert.match(dup.stderr, /network with name n1 already exists/);
    const overlap = await docker(daemon, ['network', 'create', '--subnet', '10.77.0.0/16', 'n2']);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    const [n] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'n1']);
    assert.equal(n?.IPAM.Config[0]?.Subnet, '10.77.0.0/24');
    assert.equal(n?.IPAM.Config[0]?.Gateway, '10.77.0.1');
    const custom = await dockerOk(daemon, [
      'network',
      'ls',
      '-q',
      '--no-trunc',
      '--filter',
      'type=custom',
      '--filter',
      'label=k=v',
    ]);
    assert.equal(custom.trim(), id);
    const rmBridge = await docker(daemon, ['network', 'rm', 'bridge']);
    assert.match(rmBridge.stderr, /pre-defined network and cannot be removed/);
    await dockerOk(daemon, ['network', 'rm', 'n1']);
    const gone = await docker(daemon, ['network', 'inspect', 'n1']);
    assert.notEqual(gone.exitCode, 0);
  });

  test('containers on a user network reach each other by name and alias, not across networks', async () => {
    await dockerOk(daemon, ['network', 'create', 'front']);
    await dockerOk(daemon, ['network', 'create', 'back']);
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'web',
      '--network',
      'front',
      '--network-alias',
      'www',
      image,
      'sh',
      '-c',
      'mkdir /w && echo hi-web > /w/index.html && httpd -f -p 80 -h /w',
    ]);
    const byName = await dockerOk(daemon, [
      'run',
      '--rm',
      '--network',
      'front',
      image,
      'wget',
      '-qO-',
      'http://web/',
    ]);
    assert.equal(byName.trim(), 'hi-web');
    const byAlias = await dockerOk(daemon, [
      'run',
      '--rm',
      '--network',
      'front',
      image,
      'wget',
      '-qO-',
      'http://www/',
    ]);
    assert.equal(byAlias.trim(), 'hi-web');
    const [front] = await dockerJson<NetworkInspect[]>(daemon, ['network', 'inspect', 'front']);
    const ep = Object.values(front?.Containers ?? {})[0];
    assert.equal(ep?.Name, 'web');
    const ip = ep?.IPv4Address.split('/')[0] ?? '';
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    const across = await docker(daemon, [
      'run',
      '--rm',
      '--network',
      'back',
      // Isolation drops packets, so wget would wait for ever: bound it with timeout (busybox's
      // `wget -T` crashes on this build). --init so that wget is not PID 1, which ignores SIGTERM.
      '--init',
      image,
      'timeout',
      '3',
      'wget',
      '-qO-',
      `http://${ip}/`,
    ]);
    assert.notEqual(across.exitCode, 0, 'a container on another network must not reach web');
    assert.notEqual(across.exitCode, 139, `wget crashed instead of failing to connect: ${across.stderr}`);
    assert.equal(across.stdout, '', 'nothing may come back across networks');
    const inUse = await docker(daemon, ['network', 'rm', 'front']);
    assert.match(inUse.stderr, /has active endpoints/);
    const settings = await dockerJson<{
      Networks: Record<string, { IPAddress: string; NetworkID: string; MacAddress: string }>;
    }>(daemon, ['inspect', '--format', '{{json .NetworkSettings}}', 'web']);
    assert.equal(settings.Networks.front?.IPAddress, ip);
    assert.equal(settings.Networks.front?.NetworkID, front?.Id);
    await removeContainers(daemon, 'web');
    await dockerOk(daemon, ['network', 'rm', 'front', 'back']);
  });

  test('default bridge: --link writes /etc/hosts and the link variables as Docker, a stopped or missing target is refused; --mac-address', async () => {
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'ltarget',
      '-e',
      'FOO=bar',
      '--expose',
      '80',
      image,
      'sleep',
      '60',
    ]);
    const id = (await dockerOk(daemon, ['inspect', '-f', '{{.Id}}', 'ltarget'])).trim();
    const ip = (
      await dockerOk(daemon, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'ltarget'])
    ).trim();
    const out = await dockerOk(daemon, [
      'run',
      '--rm',
      '--link',
      'ltarget:al',
      image,
      'sh',
      '-c',
      'grep -w al /etc/hosts; ping -c1 -W2 al >/dev/null && echo reached',
    ]);
    assert.equal(out, `${ip}\tal ${id.slice(0, 12)} ltarget\nreached\n`);
    await dockerOk(daemon, ['create', '--name', 'lstopped', image, 'true']);
    const stopped = await docker(daemon, [
      'run',
      '--rm',
      '--name',
      'linker',
      '--link',
      'lstopped:x',
      image,
      'true',
    ]);
    assert.notEqual(stopped.exitCode, 0);
    assert.match(stopped.stderr, /Cannot link to a non running container: \/lstopped AS \/linker\/x/);
    const missing = await docker(daemon, ['create', '--link', 'nope:x', image, 'true']);
    assert.match(missing.stderr, /could not get container for nope: No such container: nope/);
    assert.doesNotMatch(missing.stderr, /Unable to find image/);
    const env = (
      await dockerOk(daemon, ['run', '--rm', '--name', 'lenv', '--link', 'ltarget:al', image, 'env'])
    )
      .split('\n')
      .filter((l) => l.startsWith('AL_'))
      .sort();
    assert.deepEqual(env, [
      'AL_ENV_FOO=bar',
      'AL_NAME=/lenv/al',
      `AL_PORT=tcp://${ip}:80`,
      `AL_PORT_80_TCP=tcp://${ip}:80`,
      `AL_PORT_80_TCP_ADDR=${ip}`,
      'AL_PORT_80_TCP_PORT=80',
      'AL_PORT_80_TCP_PROTO=tcp',
    ]);
    const mac = await dockerOk(daemon, [
      'run',
      '--rm',
      '--mac-address',
      '02:42:ac:11:00:99',
      image,
      'cat',
      '/sys/class/net/eth0/address',
    ]);
    assert.equal(mac.trim(), '02:42:ac:11:00:99');
    await removeContainers(daemon, 'ltarget', 'lstopped');
  });

  test('an internal network has no way out', async () => {
    await dockerOk(daemon, ['network', 'create', '--internal', 'sealed']);
    const out = await docker(daemon, [
      'run',
      '--rm',
      '--network',
      'sealed',
      image,
      'sh',
      '-c',
      'ip route; nc -w 2 10.0.2.2 9 </dev/null; echo rc=$?',
    ]);
    assert.doesNotMatch(out.stdout, /default/);
    assert.match(out.stdout, /rc=1/);
    await dockerOk(daemon, ['network', 'rm', 'sealed']);
  });

  test('-p publishes a TCP port on the host; a taken port is refused', async () => {
    const port = await freePort();
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'pub',
      '-p',
      `127.0.0.1:${port}:80`,
      image,
      'sh',
      '-c',
      'mkdir /w && echo hi-pub > /w/index.html && httpd -f -p 80 -h /w',
    ]);
    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.text(),
        () => '',
      );
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(body.trim(), 'hi-pub');
    const portOut = await dockerOk(daemon, ['port', 'pub']);
    assert.match(portOut, new RegExp(`80/tcp -> 127\\.0\\.0\\.1:${port}`));
    const taken = await docker(daemon, [
      'run',
      '-d',
      '--name',
      'pub2',
      '-p',
      `127.0.0.1:${port}:80`,
      image,
      'httpd',
      '-f',
    ]);
    assert.notEqual(taken.exitCode, 0);
    assert.match(
      taken.stderr,
      new RegExp(`Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated`),
    );
    await removeContainers(daemon, 'pub', 'pub2');
  });
});
