/**
 * The netns agent: runs inside the container network (started through
 * `nsenter --net=/proc/HOLDER/ns/net`) and relays the published ports whose host sockets the
 * engine sends over IPC (port-forwarder.ts); when the engine's channel closes (the engine died),
 * it closes them. Where the engine cannot bind sockets in the container network itself (no
 * netns-socket addon), it also serves the embedded DNS of user-defined networks (dns-server.ts).
 * Reads its DNS config file at start and on SIGHUP.
 * Usage: node dns-agent.js CONFIG_FILE
 */
import { readFileSync } from 'node:fs';
import { IdleTrimmer } from '../../../drivers/malloc-trim.js';
import { parseDnsAgentConfig } from '../dns-config.js';
import { DnsServer, localDnsSockets } from '../dns-server.js';
import type { EngineToAgent } from '../port-messages.js';
import { PortForwarder } from './port-forwarder.js';

const configFile = process.argv[2];
if (!configFile) {
  process.stderr.write('usage: dns-agent CONFIG_FILE\n');
  process.exit(2);
}

function say(msg: string): void {
  process.stderr.write(`${JSON.stringify({ time: Date.now(), module: 'dns-agent', msg })}\n`);
}

const dns = new DnsServer(localDnsSockets, say);

function reload(): void {
  try {
    dns.apply(parseDnsAgentConfig(JSON.parse(readFileSync(configFile as string, 'utf8'))));
  } catch (err) {
    say(`config unreadable: ${(err as Error).message}`);
  }
}

process.on('SIGHUP', reload);
if (process.send) {
  const forwarder = new PortForwarder(
    (m) => process.send?.(m),
    (msg) => say(msg),
  );
  process.on('message', (m: EngineToAgent, handle: unknown) => forwarder.handle(m, handle));
  // The engine is gone: free its host ports at once, so that its next run can bind them again
  // (it also stops this agent before starting its own). A DNS served here goes on meanwhile.
  process.on('disconnect', () => forwarder.closeAll());
}
process.on('SIGTERM', () => process.exit(0));
reload();
// Stay up with no server to serve (no user-defined network yet).
setInterval(() => undefined, 1 << 30);
process.stdout.write('ready\n');
// Memory back to the system once started (and after each reload): a full gc, then malloc_trim.
const trimmer = new IdleTrimmer();
trimmer.touch();
process.on('SIGHUP', () => trimmer.touch());
