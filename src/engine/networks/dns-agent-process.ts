import type { Socket as DgramSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { type NetnsBinder, netnsBinder } from '../../drivers/netns-socket.js';
import { spawnInNamespaces } from '../../drivers/nsenter.js';
import { moduleLogger } from '../../log/index.js';
import { writeJsonAtomic } from '../../state/atomic-file.js';
import type { DnsAgentConfig } from './dns-config.js';
import { DnsServer } from './dns-server.js';
import type { AgentReply, PublishMessage } from './port-messages.js';

const log = moduleLogger('networks.dns-agent');
const READY_TIMEOUT_MS = 10_000;
const REPLY_TIMEOUT_MS = 5000;
/**
 * How long the agent outlives the last published port: a script or test suite that runs
 * `docker run -p …` one container after another keeps one agent instead of starting a node
 * process (~40 MiB, some 100 ms) for each.
 */
const AGENT_LINGER_MS = 5000;

/** The agent's script beside this module, or, from the engine bundle in dist/cli, in dist/engine. */
function agentScript(): string {
  const candidates = [
    './agent/dns-agent.js',
    '../engine/networks/agent/dns-agent.js',
    './agent/dns-agent.ts',
  ];
  for (const c of candidates) {
    const path = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL(candidates[0]!, import.meta.url));
}

/**
 * Node flags of the agent, a small process that must stay small: a 1 MiB young generation,
 * no source maps (built code) and no optimising compilers (`--lite-mode`; `--no-expose-wasm`
 * silences the warning that lite mode disables WebAssembly, which the agent does not use;
 * `--expose-gc` for the collection before it trims malloc's arenas once started).
 * From source it runs through tsx like the engine.
 */
export function agentNodeArgs(script: string): string[] {
  return [
    '--max-semi-space-size=1',
    '--lite-mode',
    '--no-expose-wasm',
    '--expose-gc',
    ...(script.endsWith('.ts') ? ['--enable-source-maps', '--import', 'tsx'] : []),
    script,
  ];
}

function isAgent(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dns-agent');
  } catch {
    return false;
  }
}

/**
 * The embedded DNS and the published-port relay of the container network. The DNS runs in the
 * engine, its sockets bound inside the container network by the netns-socket addon; the netns
 * agent, a child process inside that network, relays published ports: it is started with the
 * first one and stopped when the last one is gone, to start again with the next (an engine
 * without published ports runs no agent: about 40 MiB of RSS less). Its ports go over its IPC
 * channel, each with its listening host socket. Without the addon, the
 * agent also serves the DNS and starts with the engine, as before: its DNS config is a file
 * written atomically, which a SIGHUP makes it read again.
 */
export class DnsAgentProcess {
  private child: ResultPromise | undefined;
  private readonly configFile: string;
  private readonly pidFile: string;
  private stopping = false;
  private readonly waiting = new Map<string, (r: AgentReply) => void>();
  /** The configuration the DNS was last given (an unchanged one is not applied again). */
  private last = '';
  /** The DNS served by the engine itself (undefined without the addon: the agent serves it). */
  private dns: { server: DnsServer; binder: NetnsBinder } | undefined;
  private upstream = '';
  private agentStarting: Promise<void> | undefined;
  /** An agent being stopped because no port is published any more (see stopAgentIfUnused). */
  private agentStopping: Promise<void> | undefined;
  /** Keys of the ports the agent relays now. */
  private readonly relayed = new Set<string>();
  /** Publishes under way: the agent is not stopped while one is. */
  private publishing = 0;
  /** The agent's stop after the last port went away, AGENT_LINGER_MS later. */
  private lingering: NodeJS.Timeout | undefined;

  constructor(
    private readonly holderPid: number,
    runtimeDir: string,
    private readonly binder: (pid: number) => NetnsBinder | undefined = netnsBinder,
  ) {
    this.configFile = join(runtimeDir, 'dns.json');
    this.pidFile = join(runtimeDir, 'dns-agent.pid');
  }

  async start(config: DnsAgentConfig): Promise<void> {
    await mkdir(join(this.configFile, '..'), { recursive: true });
    // An agent of the previous engine run holds host ports and maybe the DNS ports: gone first.
    await this.killStale();
    this.upstream = config.upstream;
    const binder = this.binder(this.holderPid);
    if (binder) {
      const server = new DnsServer(binder, (msg) => log.warn({ dns: msg }, 'embedded dns'));
      this.dns = { server, binder };
      server.apply(config);
      this.last = JSON.stringify(config);
      return;
    }
    log.info('netns-socket addon missing: the embedded DNS runs in the netns agent');
    await this.startAgent(config);
  }

  /** The agent for published ports, started once and shared by concurrent callers. */
  private ensureAgent(): Promise<void> {
    if (this.child?.connected || this.stopping) return Promise.resolve();
    this.agentStarting ??= this.startAgent({ upstream: this.upstream, servers: [] }).finally(() => {
      this.agentStarting = undefined;
    });
    return this.agentStarting;
  }

  private async startAgent(config: DnsAgentConfig): Promise<void> {
    await writeJsonAtomic(this.configFile, config);
    if (!this.dns) this.last = JSON.stringify(config);
    const child = spawnInNamespaces(
      { target: this.holderPid, net: true },
      process.execPath,
      [...agentNodeArgs(agentScript()), this.configFile],
      { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', ipc: true, serialization: 'json', buffer: false },
    );
    this.child = child;
    child.on('message', (m: AgentReply) => {
      const waiter = this.waiting.get(`${m.op === 'unpublished' ? 'un' : ''}${m.key}`);
      waiter?.(m);
    });
    child.stderr?.on('data', (chunk: Buffer) =>
      log.info({ agent: chunk.toString().trim() }, 'dns agent says'),
    );
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      child.stdout?.once('data', () => {
        clearTimeout(timer);
        resolve(true);
      });
      void child.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      log.error(
        this.dns
          ? 'netns agent did not start; published ports will not be relayed'
          : 'dns agent did not start; names on user-defined networks will not resolve',
      );
      return;
    }
    if (child.pid) await writeFile(this.pidFile, String(child.pid));
    void child.then((r) => {
      // An agent stopped on purpose is no longer this.child.
      if (!this.stopping && this.child === child)
        log.warn({ exitCode: r.exitCode, signal: r.signal }, 'dns agent exited');
    });
  }

  async update(config: DnsAgentConfig): Promise<void> {
    const text = JSON.stringify(config);
    if (text === this.last) return;
    if (this.dns) {
      this.dns.server.apply(config);
      this.last = text;
      return;
    }
    await writeJsonAtomic(this.configFile, config, { durable: false });
    this.last = text;
    this.child?.kill('SIGHUP');
  }

  /**
   * Hands a bound host socket to the agent, which relays it into the container network from
   * then on. The engine's own copy is closed once the agent has it.
   */
  async publish(m: PublishMessage, socket: Server | DgramSocket): Promise<void> {
    this.publishing += 1;
    clearTimeout(this.lingering);
    this.lingering = undefined;
    try {
      // An agent stopping as the last port went away is gone before the next one starts.
      await this.agentStopping;
      await this.ensureAgent();
      const reply = await this.ask(m.key, (done) => this.child?.send(m, socket, done));
      if (reply.op !== 'published') throw new Error(reply.error ?? 'the netns agent refused the port');
      this.relayed.add(m.key);
      socket.close();
    } finally {
      this.publishing -= 1;
      this.stopAgentIfUnused();
    }
  }

  /** Closes a published port in the agent (its host socket with it). */
  async unpublish(key: string): Promise<void> {
    await this.ask(`un${key}`, (done) => this.child?.send({ op: 'unpublish', key }, done)).catch(
      (err: unknown) => log.warn({ err, key }, 'unpublish failed'),
    );
    this.relayed.delete(key);
    this.stopAgentIfUnused();
  }

  /** No port relayed and none being published (and the engine serves the DNS itself). */
  private agentUnused(): boolean {
    return Boolean(this.dns) && !this.stopping && this.relayed.size === 0 && this.publishing === 0;
  }

  /**
   * Stops the agent AGENT_LINGER_MS after it last relayed a port, if none came meanwhile, where
   * the engine serves the DNS itself (without the addon the agent serves it and stays). The
   * next published port starts it again.
   */
  private stopAgentIfUnused(): void {
    if (!this.agentUnused() || !this.child || this.lingering) return;
    this.lingering = setTimeout(() => {
      this.lingering = undefined;
      this.stopUnusedAgent();
    }, AGENT_LINGER_MS);
    this.lingering.unref();
  }

  private stopUnusedAgent(): void {
    if (!this.agentUnused()) return;
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    log.info('no published port left: stopping the netns agent');
    this.agentStopping = (async () => {
      child.kill('SIGTERM');
      await child.then(
        () => undefined,
        () => undefined,
      );
      await rm(this.pidFile, { force: true });
    })().finally(() => {
      this.agentStopping = undefined;
    });
  }

  private ask(waitKey: string, send: (done: (err: Error | null) => void) => void): Promise<AgentReply> {
    return new Promise<AgentReply>((resolve, reject) => {
      if (!this.child?.connected) {
        reject(new Error('the netns agent is not running'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(waitKey);
        reject(new Error('the netns agent did not answer'));
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(waitKey, (r) => {
        clearTimeout(timer);
        this.waiting.delete(waitKey);
        resolve(r);
      });
      send((err) => {
        if (!err) return;
        clearTimeout(timer);
        this.waiting.delete(waitKey);
        reject(err);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.lingering);
    this.dns?.server.close();
    this.dns?.binder.close();
    this.dns = undefined;
    await this.agentStarting?.catch(() => undefined);
    await this.agentStopping;
    this.child?.kill('SIGTERM');
    await rm(this.pidFile, { force: true });
  }

  private async killStale(): Promise<void> {
    const pid = Number((await readFile(this.pidFile, 'utf8').catch(() => '')).trim());
    if (pid > 0 && isAgent(pid)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
      // It holds host ports that this engine is about to bind again: wait until it is gone.
      for (let waited = 0; waited < 3000 && isAgent(pid); waited += 20)
        await new Promise((r) => setTimeout(r, 20));
    }
  }
}
