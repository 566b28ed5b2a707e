import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ExecBackend,
  ExecCreateConfig,
  ExecInspectAnswer,
  ExecSession,
  ExecSink,
} from '../../api/backends.js';
import { startConmonExec } from '../../drivers/conmon-exec.js';
import { connectSeqpacket, type SeqpacketConnection } from '../../drivers/seqpacket.js';
import { Conflict, InvalidParameter, NotFound } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import type { EventBus } from '../events/bus.js';
import type { ContainerService } from './container-service.js';
import { DetachKeyFilter, execDetachKeys } from './detach-keys.js';
import { runProbe } from './exec-probe.js';
import { execProcessSpec } from './exec-spec.js';
import { type ExecRecord, ExecStore, readExecExit } from './exec-store.js';
import type { LiveContainer } from './live-container.js';
import { runtimeOf } from './oci-runtime.js';
import { type ContainersLayout, runtimeFolders } from './paths.js';
import { configOf } from './record.js';
import { runcWording } from './start-error.js';

const log = moduleLogger('containers.exec');

/** How long an ended exec stays inspectable. */
const EXEC_KEEP_MS = 10 * 60_000;

/** runc's own message out of conmon's error text (`… msg="exec failed: …"`). */
export function runtimeMessage(text: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(text);
  if (m?.[1]) return m[1].replace(/\\(.)/g, '$1');
  return runcWording(text.replace(/^conmon exec: /, '').trim());
}

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
      await this.store.adopt(e, (code) => void this.ended(e, code ?? -1));
    }
    log.info({ execs: this.execs.size }, 'exec records loaded');
  }

  /** An exec ended: its exit code kept (on disk too), conmon's folder removed. */
  private async ended(e: ExecRecord, code: number): Promise<void> {
    if (!e.running && e.exitCode !== null) return;
    e.exitCode = code;
    e.running = false;
    e.endedAt = Date.now();
    await this.save(e);
    try {
      this.publish(this.o.containers.get(e.containerId), 'exec_die', {
        execID: e.id,
        exitCode: String(code),
      });
    } catch {
      // The container is gone.
    }
    await rm(e.dir, { recursive: true, force: true }).catch(() => undefined);
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
    const stdin = attach && e.config.AttachStdin;
    let conn: SeqpacketConnection | undefined;
    let pending: Buffer[] = [];
    let stdinClosed = false;
    let detached = false;
    const keys = new DetachKeyFilter(execDetachKeys(e.config.DetachKeys));
    let resolveDetached: () => void = () => undefined;
    const detachedByKeys = new Promise<void>((r) => {
      resolveDetached = r;
    });
    const connectAttach = async () => {
      const connection = await connectSeqpacket(join(e.dir, 'attach'));
      conn = connection;
      connection.onPacket((packet) => {
        const kind = packet[0];
        const data = Buffer.from(packet.subarray(1));
        if (kind === 2 && e.config.AttachStdout) sink.write('stdout', data);
        else if (kind === 3 && e.config.AttachStderr) sink.write('stderr', data);
      });
      if (stdin) {
        for (const b of pending) connection.write(b);
        pending = [];
        if (stdinClosed) connection.end();
      }
    };
    const outputClosed = () =>
      new Promise<void>((resolve) => {
        if (!conn) resolve();
        else conn.onClose(resolve);
      });
    const t = { exec: e.id.slice(0, 12) };
    const done = span(log, 'exec-start', t, () => this.run(c, e, attach, connectAttach)).then(
      async ({ exited }) => {
        const code = await span(log, 'exec-exit', t, () => exited);
        await span(log, 'output-closed', t, outputClosed);
        await this.ended(e, code ?? (await readExecExit(e)) ?? -1);
      },
    );
    done.catch((err: unknown) => {
      e.running = false;
      const message = runtimeMessage(err instanceof Error ? err.message : String(err));
      if (e.exitCode === null) e.exitCode = /not found|no such file/i.test(message) ? 127 : 126;
      if (attach) sink.write('stderr', Buffer.from(`OCI runtime exec failed: ${message}: unknown\n`));
      log.warn({ err, exec: e.id }, 'exec failed to start');
      e.endedAt = Date.now();
      void this.save(e);
      void rm(e.dir, { recursive: true, force: true }).catch(() => undefined);
    });
    return {
      stdin,
      tty: e.config.Tty,
      done,
      writeStdin: (chunk) => {
        if (!stdin || stdinClosed || detached) return;
        const { pass: data, detach } = keys.push(chunk);
        if (data.length > 0) {
          if (conn) conn.write(data);
          else pending.push(data);
        }
        if (detach) {
          detached = true;
          conn?.close();
          resolveDetached();
        }
      },
      closeStdin: () => {
        if (!stdin || stdinClosed || detached) return;
        stdinClosed = true;
        conn?.end();
      },
      detach: () => conn?.close(),
      detached: detachedByKeys,
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

  /** Writes the process spec and has conmon run `runc exec`; resolves with the exit promise. */
  private async run(
    c: LiveContainer,
    e: ExecRecord,
    attach: boolean,
    connectAttach: () => Promise<void>,
  ): Promise<{ exited: Promise<number | undefined> }> {
    const folders = runtimeFolders(this.o.layout);
    const rt = runtimeOf(this.o.layout, c.id);
    const exitDir = join(e.dir, 'exit');
    await mkdir(exitDir, { recursive: true });
    await mkdir(folders.socketDir, { recursive: true });
    const [h, w] = e.config.ConsoleSize ?? [0, 0];
    const processSpec = await execProcessSpec(c.paths.spec, c.paths.rootfs, {
      cmd: e.config.Cmd,
      env: e.config.Env,
      workingDir: e.config.WorkingDir,
      user: e.config.User,
      tty: e.config.Tty,
      privileged: e.config.Privileged,
      ...(h && w ? { consoleSize: { height: h, width: w } } : {}),
    });
    const specPath = join(e.dir, 'process.json');
    await writeFile(specPath, JSON.stringify(processSpec));
    const started = await span(log, 'conmon-exec', { exec: e.id.slice(0, 12) }, () =>
      startConmonExec(
        {
          id: c.id,
          uuid: e.id,
          name: c.record.name.slice(1),
          runtime: rt.binary ?? 'runc',
          runtimeRoot: rt.root,
          bundle: e.dir,
          pidFile: join(e.dir, 'pid'),
          conmonPidFile: join(e.dir, 'conmon.pid'),
          logPath: join(e.dir, 'log'),
          exitDir,
          socketDir: folders.socketDir,
          stdin: attach && e.config.AttachStdin,
          tty: e.config.Tty,
          exec: { processSpec: specPath, attach },
        },
        attach ? connectAttach : undefined,
      ),
    );
    e.pid = started.pid;
    e.running = true;
    await this.save(e);
    this.publish(c, `exec_start: ${e.config.Cmd.join(' ')}`, { execID: e.id });
    return { exited: started.exited };
  }
}
