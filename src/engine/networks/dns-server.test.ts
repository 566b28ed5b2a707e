import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect, type Server } from 'node:net';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { DnsServer, type DnsSockets } from './dns-server.js';

/** Binds every server on 127.0.0.1 at a free port instead of address:53, and remembers where. */
function loopbackSockets() {
  const udpPorts = new Map<string, Socket>();
  const tcpPorts = new Map<string, Server>();
  const sockets: DnsSockets = {
    udp(address) {
      const s = createSocket('udp4');
      s.bind(0, '127.0.0.1');
      udpPorts.set(address, s);
      return s;
    },
    listenTcp(server, address) {
      server.listen(0, '127.0.0.1');
      tcpPorts.set(address, server);
    },
  };
  return { sockets, udpPorts, tcpPorts };
}

const server = (address: string, records: Record<string, string[]>) => ({
  address,
  forward: false,
  records,
  perSource: { '127.0.0.1': { alias: ['10.1.0.9'] } },
});

function query(name: string, type: 'A' | 'AAAA') {
  return dnsPacket.encode({
    type: 'query',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  });
}

async function askUdp(s: Socket, msg: Buffer): Promise<dnsPacket.DecodedPacket> {
  const c = createSocket('udp4');
  const reply = new Promise<Buffer>((resolve) => c.once('message', resolve));
  c.send(msg, s.address().port, '127.0.0.1');
  const r = dnsPacket.decode(await reply);
  c.close();
  return r;
}

test('answers names over UDP and TCP, per-source names, SERVFAIL when not forwarding; apply closes dropped servers', async () => {
  const { sockets, udpPorts, tcpPorts } = loopbackSockets();
  const said: string[] = [];
  const dns = new DnsServer(sockets, (m) => said.push(m));
  dns.apply({ upstream: '10.0.2.3', servers: [server('10.1.0.1', { web: ['10.1.0.2', 'fd00::2'] })] });
  const udp = udpPorts.get('10.1.0.1');
  assert.ok(udp);
  await new Promise((r) => udp.once('listening', r));

  const a = await askUdp(udp, query('WEB.', 'A'));
  assert.equal(a.id, 7);
  assert.deepEqual(
    a.answers?.map((x) => [x.type, 'data' in x ? x.data : '']),
    [['A', '10.1.0.2']],
  );
  const aaaa = await askUdp(udp, query('web', 'AAAA'));
  assert.deepEqual(
    aaaa.answers?.map((x) => [x.type, 'data' in x ? x.data : '']),
    [['AAAA', 'fd00::2']],
  );
  const alias = await askUdp(udp, query('alias', 'A'));
  assert.equal(alias.answers?.length, 1);
  const unknown = await askUdp(udp, query('nosuch', 'A'));
  assert.equal((unknown.flags ?? 0) & 0xf, 2);

  const tcp = tcpPorts.get('10.1.0.1');
  assert.ok(tcp?.listening);
  const conn = connect((tcp.address() as { port: number }).port, '127.0.0.1');
  const msg = query('web', 'A');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(msg.length);
  conn.write(Buffer.concat([head, msg]));
  const reply = await new Promise<Buffer>((resolve) => conn.once('data', resolve));
  conn.destroy();
  const t = dnsPacket.decode(reply.subarray(2));
  assert.equal(t.answers?.length, 1);

  // An IPv6 network's server answers on its IPv6 gateway too.
  dns.apply({ upstream: '10.0.2.3', servers: [{ ...server('10.2.0.1', {}), address6: 'fd00:2::1' }] });
  assert.deepEqual(dns.addresses.sort(), ['10.2.0.1', 'fd00:2::1']);
  assert.ok(udpPorts.has('fd00:2::1') && tcpPorts.has('fd00:2::1'));
  dns.apply({ upstream: '10.0.2.3', servers: [server('10.2.0.1', {})] });
  assert.deepEqual(dns.addresses, ['10.2.0.1']);
  assert.equal(tcp.listening, false);
  dns.close();
  assert.deepEqual(dns.addresses, []);
  assert.deepEqual(said, []);
});

test('a server whose sockets cannot be bound is reported and tried again at the next apply', () => {
  const said: string[] = [];
  let fail = true;
  const { sockets } = loopbackSockets();
  const dns = new DnsServer(
    {
      udp: (address, port) => {
        if (fail)
          throw Object.assign(new Error('Cannot assign requested address'), { code: 'EADDRNOTAVAIL' });
        return sockets.udp(address, port);
      },
      listenTcp: sockets.listenTcp,
    },
    (m) => said.push(m),
  );
  const config = { upstream: '10.0.2.3', servers: [server('10.3.0.1', {})] };
  dns.apply(config);
  assert.deepEqual(dns.addresses, []);
  assert.match(said[0] ?? '', /udp 10\.3\.0\.1: Cannot assign/);
  fail = false;
  dns.apply(config);
  assert.deepEqual(dns.addresses, ['10.3.0.1']);
  dns.close();
});
