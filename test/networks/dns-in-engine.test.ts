import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Daemon, docker, dockerOk, until, withDaemon } from '../helpers/index.js';

/** Waits out the agent's linger after its last port (5 s, dns-agent-process.ts). */
const LINGER = { tries: 150, intervalMs: 100 };

/** The daemon's netns agent processes alive now. */
function agents(d: Daemon): number[] {
  return d.processes().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dns-agent');
    } catch {
      return false;
    }
  });
}

// With the netns-socket addon (npm run build), the engine serves the embedded DNS itself and
// the netns agent starts only for published ports.
describe('embedded DNS in the engine; netns agent only with published ports', () => {
  let daemon: Daemon;
  let image: string;

  withDaemon(
    {
      images: ['busybox'],
      teardown: async () => {
        await docker(daemon, ['rm', '-f', 'dnsweb', 'dnspub', 'dnspub2', 'dnspub3']);
        await docker(daemon, ['network', 'rm', 'dnsnet']);
      },
    },
    (env) => {
      daemon = env.daemon;
      image = env.image('busybox');
    },
  );

  /** `docker run` of a web server published on a free loopback port. */
  const httpd = (name: string) => [
    'run',
    '-d',
    '--name',
    name,
    '-p',
    '127.0.0.1::80',
    image,
    'httpd',
    '-f',
    '-p',
    '80',
    '-h',
    '/',
  ];
  /** The HTTP status of a request through the container's published port. */
  const served = async (name: string) => {
    const port = (await dockerOk(daemon, ['port', name, '80'])).trim().split(':').pop();
    return (await fetch(`http://127.0.0.1:${port}/`)).status;
  };

  test('names resolve and unknown ones are forwarded upstream with no agent; -p starts it', async () => {
    assert.deepEqual(agents(daemon), []);
    await dockerOk(daemon, ['network', 'create', 'dnsnet']);
    await dockerOk(daemon, [
      'run',
      '-d',
      '--name',
      'dnsweb',
      '--network',
      'dnsnet',
      '--network-alias',
      'www',
      image,
      'sleep',
      '600',
    ]);
    const ip = (
      await dockerOk(daemon, ['inspect', '-f', '{{.NetworkSettings.Networks.dnsnet.IPAddress}}', 'dnsweb'])
    ).trim();
    for (const name of ['dnsweb', 'www', 'DNSWEB.']) {
      const out = await dockerOk(daemon, ['run', '--rm', '--network', 'dnsnet', image, 'nslookup', name]);
      assert.match(out, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`), out);
    }
    // Forwarded to slirp4netns's resolver, which answers (NXDOMAIN here); a server that did
    // not forward would answer SERVFAIL.
    const unknown = await docker(daemon, [
      'run',
      '--rm',
      '--network',
      'dnsnet',
      image,
      'nslookup',
      'nosuch.invalid',
    ]);
    assert.doesNotMatch(unknown.stdout + unknown.stderr, /SERVFAIL/);
    assert.deepEqual(agents(daemon), []);

    await dockerOk(daemon, httpd('dnspub'));
    assert.equal(agents(daemon).length, 1);
    assert.ok((await served('dnspub')) > 0);
  });

  test('the agent stops some seconds after the last published port and starts again with the next', async () => {
    if (agents(daemon).length === 0) await dockerOk(daemon, httpd('dnspub'));
    const first = agents(daemon);
    assert.equal(first.length, 1);
    // A second container with a published port shares the agent; the first one going away
    // leaves it running for the second.
    await dockerOk(daemon, httpd('dnspub2'));
    await dockerOk(daemon, ['rm', '-f', 'dnspub']);
    assert.deepEqual(agents(daemon), first);
    assert.ok((await served('dnspub2')) > 0);

    await dockerOk(daemon, ['stop', '-t', '0', 'dnspub2']);
    // It lingers a few seconds (dns-agent-process.ts): a port published meanwhile reuses it.
    await dockerOk(daemon, ['start', 'dnspub2']);
    assert.deepEqual(agents(daemon), first);
    assert.ok((await served('dnspub2')) > 0);
    await dockerOk(daemon, ['stop', '-t', '0', 'dnspub2']);
    await until(
      () => agents(daemon).length === 0,
      'the netns agent to stop with the last published port',
      LINGER,
    );

    await dockerOk(daemon, httpd('dnspub3'));
    const next = agents(daemon);
    assert.equal(next.length, 1);
    assert.notDeepEqual(next, first);
    assert.ok((await served('dnspub3')) > 0);
    // A stopped container started again publishes its port again, through an agent.
    await dockerOk(daemon, ['rm', '-f', 'dnspub3']);
    await until(() => agents(daemon).length === 0, 'the netns agent to stop again', LINGER);
    await dockerOk(daemon, ['start', 'dnspub2']);
    assert.equal(agents(daemon).length, 1);
    assert.ok((await served('dnspub2')) > 0);
  });
});
