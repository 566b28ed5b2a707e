import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { spawnInNamespaces } from '../../drivers/nsenter.js';
import { moduleLogger } from '../../log/index.js';
import { writeJsonAtomic } from '../../state/atomic-file.js';
import type { DnsAgentConfig } from './dns-config.js';

const log = moduleLogger('networks.dns-agent');
const READY_TIMEOUT_MS = 10_000;

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
 * silences the warning that lite mode disables WebAssembly, which the agent does not use).
 * From source it runs through tsx like the engine.
 */
export function agentNodeArgs(script: string): string[] {
  return [
    '--max-semi-space-size=1',
    '--lite-mode',
    '--no-expose-wasm',
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
 * The netns agent (embedded DNS) as a child of the engine, inside the container network.
 * Its config is a file written atomically; a SIGHUP makes it read the file again.
 */
export class DnsAgentProcess {
  private child: ResultPromise | undefined;
  private readonly configFile: string;
  private readonly pidFile: string;
  private stopping = false;

  constructor(
    private readonly holderPid: number,
    runtimeDir: string,
  ) {
    this.configFile = join(runtimeDir, 'dns.json');
    this.pidFile = join(runtimeDir, 'dns-agent.pid');
  }

  async start(config: DnsAgentConfig): Promise<void> {
    await mkdir(join(this.configFile, '..'), { recursive: true });
    await this.killStale();
    await writeJsonAtomic(this.configFile, config);
    const child = spawnInNamespaces(
      { target: this.holderPid, net: true },
      process.execPath,
      [...agentNodeArgs(agentScript()), this.configFile],
      { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
    );
    this.child = child;
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
      log.error('dns agent did not start; names on user-defined networks will not resolve');
      return;
    }
    if (child.pid) await writeFile(this.pidFile, String(child.pid));
    void child.then((r) => {
      if (!this.stopping) log.warn({ exitCode: r.exitCode, signal: r.signal }, 'dns agent exited');
    });
  }

  async update(config: DnsAgentConfig): Promise<void> {
    await writeJsonAtomic(this.configFile, config);
    this.child?.kill('SIGHUP');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.child?.kill('SIGTERM');
    await rm(this.pidFile, { force: true });
  }

  private async killStale(): Promise<void> {
    const pid = Number((await readFile(this.pidFile, 'utf8').catch(() => '')).trim());
    if (pid > 0 && isAgent(pid)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
