import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ExecBackend,
  ExecCreateConfig,
  ExecInspectAnswer,
  ExecSession,
  ExecSink,
} from '../../api/backends.js';
import { Conflict, InvalidParameter, NotFound } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import type { EventBus } from '../events/bus.js';
import type { ContainerService } from './container-service.js';
import { execDetachKeys } from './detach-keys.js';
import { ExecAttachment } from './exec-attach.js';
import { launchExec, runtimeMessage } from './exec-launch.js';
import { runProbe } from './exec-probe.js';
import { type ExecRecord, ExecStore, readExecExit } from './exec-store.js';
import type { LiveContainer } from './live-container.js';
import type { ContainersLayout } from './paths.js';
import { configOf } from './record.js';
import { commandWording } from './start-error.js';

export { runtimeMessage } from './exec-launch.js';

const log = moduleLogger('containers.exec');

/** How long an ended exec stays inspectable. */
const EXEC_KEEP_MS = 10 * 60_000;

export interface ExecServiceOptions {
  containers: ContainerService;
  layout: ContainersLayout;
  bus: EventBus;
}

/** Docker's exec instances: created, started once under conmon, inspected afterwards. */
export class ExecService implements ExecBackend {
  private readonly execs = new Map<string, ExecRecord>();
  /** Health probes: not written to disk (one a second would churn), dropped once ended. */
  private readonly probes = new Set<string>();
  private readonly store: ExecStore;

  constructor(private readonly o: ExecServiceOptions) {
    this.store = new ExecStore(join(o.layout.runtimeBase, 'x'));
  }

  private get(id: string): ExecRecord {
    const e = this.execs.get(id);
    // As Docker, an exec goes with its container.
    if (!e || !this.containerExists(e.containerId)) {
      if (e) this.forget(e);
      throw new NotFound(`No such exec instance: ${id}`);
    }
    return e;
  }

  private containerExists(id: string): boolean {
    try {
      return this.o.containers.get(id).id === id;
    } catch {
      return false;
    }
  }

  private save(e: ExecRecord): Promise<void> {
    if (this.probes.has(e.id)) return Promise.resolve();
    return this.store.save(e);
  }

  private forget(e: ExecRecord): void {
    this.execs.delete(e.id);
    this.probes.delete(e.id);
    void this.store.remove(e).catch(() => undefined);
  }

  /**
   * At engine start: the records kept on disk. A running exec (its conmon outlives the
   * engine) is adopted: inspect shows it running with its pid, and its exit code once
   * conmon writes it. Execs of containers that are gone are dropped.
   */
  async load(): Promise<void> {
    for (const e of await this.store.load()) {
      if (!this.containerExists(e.containerId)) {
        await this.store.remove(e).catch(() => undefined);
        continue;
      }
      this.execs.set(e.id, e);
      if (!e.started || e.exitCode !== null) continue;
      e.running = true;
      await this.store.adopt(e, (code) => this.ended(e, code ?? -1));
    }
    log.info({ execs: this.execs.size }, 'exec records loaded');
  }

  /**
   * An exec ended: its exit code is known at once (inspect, the end of the client's stream);
   * the record is written and conmon's folder removed after that, off the client's path. Until
   * the record with the code has landed, conmon's exit file in that folder holds the code,
   * which a restarted engine reads (ExecStore.adopt); the folder goes only after the write.
   */
  private ended(e: ExecRecord, code: number): void {
    if (!e.running && e.exitCode !== null) return;
    e.exitCode = code;
    e.running = false;
    e.endedAt = Date.now();
    try {
      this.publish(this.o.containers.get(e.containerId), 'exec_die', {
        execID: e.id,
        exitCode: String(code),
      });
    } catch {
      // The container is gone.
    }
    void this.save(e).then(() => rm(e.dir, { recursive: true, force: true }).catch(() => undefined));
  }

  close(): void {
    this.store.close();
  }

  private running(ref: string): LiveContainer {
    const c = this.o.containers.get(ref);
    if (c.state.status === 'paused')
      throw new Conflict(`Container ${c.id} is paused, unpause the container before exec`);
    if (!c.running || c.state.status === 'restarting') throw new Conflict(`container ${c.id} is not running`);
    return c;
  }

  private publish(c: LiveContainer, action: string, extra: Record<string, string>): void {
    this.o.bus.publish({
      type: 'container',
      action,
      actor: {
        id: c.id,
        attributes: {
          ...(configOf(c.record).Labels ?? {}),
          image: c.record.image,
          name: c.record.name.slice(1),
          ...extra,
        },
      },
    });
  }

  async create(containerRef: string, config: ExecCreateConfig, probe = false): Promise<{ Id: string }> {
    const c = this.running(containerRef);
    if (config.Cmd.length === 0) throw new InvalidParameter('No exec command specified');
    execDetachKeys(config.DetachKeys);
    this.forgetGone();
    const id = randomBytes(32).toString('hex');
    const e: ExecRecord = {
      id,
      containerId: c.id,
      config,
      running: false,
      started: false,
      exitCode: null,
      pid: 0,
      dir: join(this.o.layout.runtimeBase, 'x', id),
    };
    this.execs.set(id, e);
    if (probe) this.probes.add(id);
    await this.save(e);
    this.publish(c, `exec_create: ${config.Cmd.join(' ')}`, { execID: id });
    return { Id: id };
  }

  /**
   * Drops finished execs of containers that no longer exist, and those ended more than
   * EXEC_KEEP_MS ago (Docker's exec GC drops them after 5 to 10 minutes).
   */
  private forgetGone(): void {
    const old = Date.now() - EXEC_KEEP_MS;
    for (const e of this.execs.values()) {
      if (e.running) continue;
      if (!this.containerExists(e.containerId) || (e.endedAt !== undefined && e.endedAt < old))
        this.forget(e);
    }
  }

  inspect(execId: string): ExecInspectAnswer {
    const e = this.get(execId);
    const [entrypoint = '', ...args] = e.config.Cmd;
    return {
      CanRemove: false,
      DetachKeys: e.config.DetachKeys,
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: {
        arguments: args,
        entrypoint,
        privileged: e.config.Privileged,
        tty: e.config.Tty,
        user: e.config.User,
      },
      OpenStdin: e.config.AttachStdin,
      OpenStderr: e.config.AttachStderr,
      OpenStdout: e.config.AttachStdout,
      ContainerID: e.containerId,
      Pid: e.pid,
    };
  }

  async resize(execId: string, height: number, width: number): Promise<void> {
    const e = this.get(execId);
    if (!e.running) throw new Conflict(`Exec ${execId} is not running`);
    if (!e.config.Tty) return;
    const handle = await open(join(e.dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      await handle.write(`1 ${height} ${width}\n`);
    } finally {
      await handle.close();
    }
  }

  start(execId: string, options: { detach: boolean; tty?: boolean }, sink: ExecSink): ExecSession {
    const e = this.get(execId);
    if (e.started) throw new Conflict(`Exec command ${execId} is already running`);
    const c = this.running(e.containerId);
    e.started = true;
    const attach = !options.detach;
    const client = new ExecAttachment(e, attach && e.config.AttachStdin, sink);
    const t = { exec: e.id.slice(0, 12) };
    const done = span(log, 'exec-start', t, () => this.run(c, e, attach, () => client.connect())).then(
      async ({ exited }) => {
        const code = await span(log, 'exec-exit', t, () => exited);
        await span(log, 'output-closed', t, () => client.outputClosed());
        this.ended(e, code ?? (await readExecExit(e)) ?? -1);
      },
    );
    done.catch((err: unknown) => {
      e.running = false;
      const message = commandWording(
        runtimeMessage(err instanceof Error ? err.message : String(err)),
        e.config.Cmd[0],
      );
      if (e.exitCode === null) e.exitCode = /not found|no such file/i.test(message) ? 127 : 126;
      if (attach) sink.write('stderr', Buffer.from(`OCI runtime exec failed: ${message}: unknown\n`));
      log.warn({ err, exec: e.id }, 'exec failed to start');
      e.endedAt = Date.now();
      void this.save(e);
      void rm(e.dir, { recursive: true, force: true }).catch(() => undefined);
    });
    return {
      stdin: client.stdin,
      tty: e.config.Tty,
      done,
      writeStdin: (chunk) => client.writeStdin(chunk),
      closeStdin: () => client.closeStdin(),
      detach: () => client.detach(),
      detached: client.detached,
    };
  }

  /** A health probe as an exec (exec-probe.ts). */
  probe(c: LiveContainer, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    return runProbe(this, c, cmd, timeoutMs);
  }

  /** A probe's pid and exit code. */
  probeState(id: string): { pid: number; exitCode: number | null } | undefined {
    return this.execs.get(id);
  }

  /** Probes are not kept for /exec/{id}/json once ended (one a second would pile up). */
  dropProbe(id: string): void {
    this.execs.delete(id);
    this.probes.delete(id);
  }

  /** Has conmon run `runc exec` (exec-launch.ts); resolves with the exit promise. */
  private async run(
    c: LiveContainer,
    e: ExecRecord,
    attach: boolean,
    connectAttach: () => Promise<void>,
  ): Promise<{ exited: Promise<number | undefined> }> {
    const started = await launchExec(this.o.layout, c, e, attach, connectAttach);
    e.pid = started.pid;
    e.running = true;
    // Not awaited (a short exec ends first): the writes of a record land in order (ExecStore).
    void this.save(e);
    this.publish(c, `exec_start: ${e.config.Cmd.join(' ')}`, { execID: e.id });
    return { exited: started.exited };
  }
}
