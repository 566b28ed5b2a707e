import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { type Daemon, docker, dockerOk, sleep, socketRequest, withDaemon } from '../helpers/index.js';

/**
 * --pid, --ipc, --uts, --device, the ps filters that look at mounts, networks and ports, and
 * attach over WebSocket.
 */

let d: Daemon;
let bb: string;
const NET = ['--network', 'none'];

withDaemon({ images: ['busybox'] }, (env) => {
  d = env.daemon;
  bb = env.image('busybox');
});

describe('namespace modes and devices', () => {
  test('--pid container: sees the other container; --pid host sees the host', async () => {
    await dockerOk(d, ['run', '-d', '--name', 'pidowner', ...NET, bb, 'sleep', '1000']);
    const shared = await dockerOk(d, [
      'run',
      '--rm',
      ...NET,
      '--pid',
      'container:pidowner',
      bb,
      'ps',
      '-o',
      'args',
    ]);
    assert.match(shared, /sleep 1000/);
    const own = await dockerOk(d, ['run', '--rm', ...NET, bb, 'ps', '-o', 'args']);
    assert.doesNotMatch(own, /sleep 1000/);
    // The host's pid namespace: pid 1 is the host's init, not the container's command.
    const host = await dockerOk(d, [
      'run',
      '--rm',
      ...NET,
      '--pid',
      'host',
      bb,
      'sh',
      '-c',
      'cat /proc/1/cmdline | tr "\\0" " "; echo; echo self=$$',
    ]);
    assert.doesNotMatch(host.split('\n')[0] ?? '', /^sh /);
    assert.doesNotMatch(host, /self=1$/m);
    await dockerOk(d, ['stop', '-t', '0', 'pidowner']);
    const stopped = await docker(d, ['run', '--rm', ...NET, '--pid', 'container:pidowner', bb, 'true']);
    assert.notEqual(stopped.exitCode, 0);
    assert.match(stopped.stderr, /cannot join PID of a non running container/);
    await dockerOk(d, ['rm', 'pidowner']);
  });

  test('--ipc container: shares /dev/shm; --uts host keeps the host name; bad modes are refused', async () => {
    await dockerOk(d, [
      'run',
      '-d',
      '--name',
      'ipcowner',
      ...NET,
      '--ipc',
      'shareable',
      bb,
      'sh',
      '-c',
      'echo shared > /dev/shm/x; sleep 1000',
    ]);
    let seen = '';
    for (let i = 0; i < 50 && seen.trim() !== 'shared'; i++) {
      const r = await docker(d, [
        'run',
        '--rm',
        ...NET,
        '--ipc',
        'container:ipcowner',
        bb,
        'cat',
        '/dev/shm/x',
      ]);
      seen = r.stdout;
    }
    assert.equal(seen.trim(), 'shared');
    const none = await dockerOk(d, [
      'run',
      '--rm',
      ...NET,
      '--ipc',
      'none',
      bb,
      'sh',
      '-c',
      'test -d /dev/shm && echo has || echo none',
    ]);
    assert.equal(none.trim(), 'none');
    await dockerOk(d, ['rm', '-f', 'ipcowner']);
    const hostName = (await dockerOk(d, ['run', '--rm', ...NET, '--uts', 'host', bb, 'hostname'])).trim();
    const own = (await dockerOk(d, ['run', '--rm', ...NET, bb, 'hostname'])).trim();
    assert.notEqual(hostName, own);
    assert.match(own, /^[0-9a-f]{12}$/);
    // The CLI checks modes itself: ask the API directly for the daemon's own answers.
    const create = (hostConfig: object, extra: object = {}) =>
      socketRequest(d.socket, '/v1.51/containers/create', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ Image: bb, Cmd: ['true'], HostConfig: hostConfig, ...extra }),
      });
    const bad = await create({ PidMode: 'bogus' });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /invalid PID mode: bogus/);
    const conflict = await create({ UTSMode: 'host' }, { Hostname: 'x' });
    assert.equal(conflict.status, 400);
    assert.match(JSON.parse(conflict.body).message, /conflicting options: hostname and the UTS mode/);
  });

  test('--device binds a host device the user may open; a missing one is refused', async () => {
    const out = await dockerOk(d, [
      'run',
      '--rm',
      ...NET,
      '--device',
      '/dev/fuse',
      '--device',
      '/dev/null:/dev/mynull',
      bb,
      'sh',
      '-c',
      'ls -l /dev/fuse /dev/mynull; echo hi > /dev/mynull && echo wrote',
    ]);
    assert.match(out, /^c.* \/dev\/fuse$/m);
    assert.match(out, /^c.* \/dev\/mynull$/m);
    assert.match(out, /wrote/);
    const missing = await docker(d, ['run', '--rm', ...NET, '--device', '/dev/does-not-exist', bb, 'true']);
    assert.notEqual(missing.exitCode, 0);
    assert.match(
      missing.stderr,
      /error gathering device information while adding custom device "\/dev\/does-not-exist": no such file or directory/,
    );
  });
});

describe('--privileged', () => {
  test('every host device the user may open, all capabilities, no seccomp, no masked or read-only paths', async () => {
    const script = [
      'for f in /dev/fuse /dev/net/tun /dev/loop0 /dev/loop-control; do if [ -c $f ] || [ -b $f ]; then echo "dev $f"; fi; done',
      'exec 3<>/dev/fuse && echo fuse-open',
      'grep -E "^(CapEff|Seccomp):" /proc/self/status',
      'grep -c -E " /proc/(kcore|keys|timer_list|sys) " /proc/self/mountinfo',
      'echo 1 > /proc/sys/net/ipv4/ip_forward && echo sysctl-written',
      'grep " /sys " /proc/self/mountinfo | grep -q " rw," && echo sys-rw',
      'ip link add v0 type veth peer name v1 && ip link set v0 up && echo veth-added',
      'true',
    ].join('; ');
    const out = await dockerOk(d, ['run', '--rm', '--privileged', ...NET, bb, 'sh', '-c', script]);
    const lines = out.trim().split('\n');
    // Opened by anyone on the host (0666); loop devices are root's alone: not given.
    assert.ok(lines.includes('dev /dev/fuse'), out);
    assert.ok(lines.includes('dev /dev/net/tun'), out);
    assert.ok(!lines.includes('dev /dev/loop0'), out);
    assert.ok(!lines.includes('dev /dev/loop-control'), out);
    assert.ok(lines.includes('fuse-open'), out);
    // Every capability the kernel has (cap_last_cap 40 or more here), in the user namespace.
    const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(out)?.[1] ?? '0'}`);
    assert.ok(capEff >= (1n << 41n) - 1n, out);
    assert.match(out, /Seccomp:\s*0/);
    assert.ok(lines.includes('0'), `no masked or read-only path mounted: ${out}`);
    assert.ok(lines.includes('sysctl-written'), out);
    assert.ok(lines.includes('sys-rw'), out);
    assert.ok(lines.includes('veth-added'), out);

    // Without --privileged: none of it.
    const plain = await dockerOk(d, ['run', '--rm', ...NET, bb, 'sh', '-c', script]);
    assert.ok(!plain.includes('dev /dev/fuse'), plain);
    assert.match(plain, /Seccomp:\s*2/);
    assert.ok(!plain.includes('sys-rw'), plain);
    assert.ok(!plain.includes('veth-added'), plain);
  });
});

describe('ps filters', () => {
  test('volume, publish, expose and network filters', async () => {
    await dockerOk(d, ['volume', 'create', 'fvol']);
    await dockerOk(d, [
      'create',
      '--name',
      'withvol',
      ...NET,
      '-v',
      'fvol:/data',
      '--expose',
      '8080',
      bb,
      'true',
    ]);
    await dockerOk(d, ['create', '--name', 'withport', '-p', '80', bb, 'true']);
    const names = async (filter: string) =>
      (await dockerOk(d, ['ps', '-a', '--filter', filter, '--format', '{{.Names}}']))
        .trim()
        .split('\n')
        .filter(Boolean)
        .sort();
    assert.deepEqual(await names('volume=fvol'), ['withvol']);
    assert.deepEqual(await names('volume=/data'), ['withvol']);
    assert.deepEqual(await names('expose=8000-8090/tcp'), ['withvol']);
    assert.deepEqual(await names('publish=80'), ['withport']);
    assert.deepEqual(await names('publish=80/udp'), []);
    assert.deepEqual(await names('network=bridge'), ['withport']);
    assert.deepEqual(await names('network=none'), ['withvol']);
    await dockerOk(d, ['rm', 'withvol', 'withport']);
    await dockerOk(d, ['volume', 'rm', 'fvol']);
  });
});

describe('attach over WebSocket', () => {
  test('GET /containers/{id}/attach/ws carries stdin and raw stdout', async () => {
    await dockerOk(d, ['run', '-d', '-i', '--name', 'wscat', ...NET, bb, 'cat']);
    const ws = new WebSocket(
      `ws+unix://${d.socket}:/v1.51/containers/wscat/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`,
    );
    const received: Buffer[] = [];
    ws.on('message', (data: Buffer) => received.push(data));
    await once(ws, 'open');
    ws.send(Buffer.from('hello over ws\n'));
    for (let i = 0; i < 100 && !Buffer.concat(received).toString().includes('hello over ws'); i++)
      await sleep(50);
    // Raw bytes: no multiplexed header in front of the echo.
    assert.equal(Buffer.concat(received).toString(), 'hello over ws\n');
    ws.close();
    await once(ws, 'close');
    const missing = new WebSocket(`ws+unix://${d.socket}:/v1.51/containers/nope/attach/ws?stream=1&stdout=1`);
    const [, res] = (await once(missing, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(res.statusCode, 404);
    missing.on('error', () => undefined);
    missing.terminate();
    await dockerOk(d, ['rm', '-f', 'wscat']);
  });
});

describe('sizes', () => {
  test('ps --size, inspect --size and system df count the writable layer', async () => {
    await dockerOk(d, ['run', '--name', 'sized', ...NET, bb, 'sh', '-c', 'head -c 300000 /dev/zero > /big']);
    const ps = await dockerOk(d, ['ps', '-a', '--size', '--filter', 'name=sized', '--format', '{{.Size}}']);
    // Docker's column: "300kB (virtual 1.23MB)".
    assert.match(ps.trim(), /^3\d\dkB \(virtual [\d.]+MB\)$/);
    const [view] = JSON.parse(await dockerOk(d, ['inspect', '--size', 'sized'])) as Array<{
      SizeRw: number;
      SizeRootFs: number;
    }>;
    assert.ok(view && view.SizeRw >= 300_000 && view.SizeRw < 400_000, `SizeRw ${view?.SizeRw}`);
    assert.ok(view && view.SizeRootFs > view.SizeRw);
    const df = await dockerOk(d, ['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Size}}']);
    assert.match(df, /^Containers [1-9]\d* 3\d\d(\.\d+)?kB$/m);
    await dockerOk(d, ['rm', 'sized']);
  });
});
