// A testcontainers-node session against rootlessd (run by clients.test.ts as the test user).
// Prints one JSON object of what it saw; the test asserts on it. Environment: DOCKER_HOST,
// IMAGE (the busybox image's full reference), APP_DIR (a folder whose node_modules holds
// testcontainers), and testcontainers' own settings (Ryuk off: its image is not in the test
// registry; the host is localhost, as on a machine without /.dockerenv).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const { GenericContainer, Network, Wait } = createRequire(join(process.env.APP_DIR, 'package.json'))(
  'testcontainers',
);

const image = process.env.IMAGE;
const seen = {};
const text = (stream) =>
  new Promise((resolve) => {
    let s = '';
    stream.on('data', (d) => {
      s += d;
    });
    setTimeout(() => {
      stream.destroy();
      resolve(s);
    }, 500);
  });

const web = await new GenericContainer(image)
  .withCommand(['sh', '-c', 'echo hello > /tmp/index.html; echo started; exec httpd -f -p 8080 -h /tmp'])
  .withExposedPorts(8080)
  .withWaitStrategy(Wait.forListeningPorts())
  .withEnvironment({ A: 'x' })
  .withLabels({ suite: 'testcontainers' })
  .withCopyContentToContainer([{ content: 'copied', target: '/tmp/c.txt' }])
  .start();
const url = `http://${web.getHost()}:${web.getMappedPort(8080)}/`;
const res = await fetch(url);
seen.fetch = { status: res.status, body: (await res.text()).trim() };
seen.exec = await web.exec(['sh', '-c', 'echo $A; cat /tmp/c.txt']);
seen.logs = await text(await web.logs());
let archived = 0;
for await (const chunk of await web.copyArchiveFromContainer('/tmp/c.txt')) archived += chunk.length;
seen.archiveBytes = archived;
await web.restart();
const again = await fetch(`http://${web.getHost()}:${web.getMappedPort(8080)}/`);
seen.afterRestart = again.status;
await web.stop();

const network = await new Network().start();
const server = await new GenericContainer(image)
  .withNetwork(network)
  .withNetworkAliases('srv')
  .withCommand(['sh', '-c', 'echo up; exec httpd -f -p 80 -h /etc'])
  .withWaitStrategy(Wait.forLogMessage('up'))
  .start();
const client = await new GenericContainer(image).withNetwork(network).withCommand(['sleep', '60']).start();
seen.byAlias = (await client.exec(['wget', '-q', '-O-', 'http://srv/hostname'])).output.trim();
seen.serverHostname = (await server.exec(['hostname'])).output.trim();
const healthy = await new GenericContainer(image)
  .withCommand(['sleep', '60'])
  .withHealthCheck({
    test: ['CMD-SHELL', 'test -e /etc/passwd'],
    interval: 300,
    timeout: 1000,
    retries: 3,
    startPeriod: 0,
  })
  .withWaitStrategy(Wait.forHealthCheck())
  .start();
seen.healthy = true;
await Promise.all([server.stop(), client.stop(), healthy.stop()]);
await network.stop();
console.log(JSON.stringify(seen));
