import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
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
import { execProcessSpec } from './exec-spec.js';
import { goDuration, MAX_OUTPUT_BYTES } from './healthcheck.js';
import type { LiveContainer } from './live-container.js';
import { runtimeOf } from './oci-runtime.js';
import { type ContainersLayout, runtimeFolders } from './paths.js';
import { configOf } from './record.js';
import { runcWording } from './start-error.js';

const log = moduleLogger('containers.exec');

/** runc's own message out of conmon's error text (`… msg="exec failed: …"`). */
export function runtimeMessage(text: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(text);
  if (m?.[1]) return m[1].replace(/\\(.)/g, '$1');
  return runcWording(text.replace(/^conmon exec: /, '').trim());
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function readExitFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const n = Number.parseInt(text.trim(), 10);
  return Number.isFinite(n) ? n : undefined;
}

interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecCreateConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  dir: string;
}

export interface ExecServiceOptions {
  containers: ContainerService;
  layout: ContainersLayout;
  bus: EventBus;
}

/** Docker's exec instances: created, started once under conmon, inspected afterwards. */
export class ExecService implements ExecBackend {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly o: ExecServiceOptions) {}

  private get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw new NotFound(`No such exec instance: ${id}`);
    return e;
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

  async create(containerRef: string, config: ExecCreateConfig): Promise<{ Id: string }> {
    const c = this.running(containerRef);
    if (config.Cmd.length === 0) throw new InvalidParameter('No exec command specified');
    execDetachKeys(config.DetachKeys);
    this.forgetGone();
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, {
      id,
      containerId: c.id,
      config,
      running: false,
      started: false,
      exitCode: null,
      pid: 0,
      dir: join(this.o.layout.runtimeBase, 'x', id),
    });
    this.publish(c, `exec_create: ${config.Cmd.join(' ')}`, { execID: id });
    return { Id: id };
  }

  /** Drops finished execs of containers that no longer exist. */
  private forgetGone(): void {
    for (const [id, e] of this.execs) {
      if (e.running) continue;
      try {
        this.o.containers.get(e.containerId);
      } catch {
        this.execs.delete(id);
      }
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
        e.exitCode = code ?? (await readExitFile(join(e.dir, 'exit', c.id))) ?? -1;
        e.running = false;
        this.publish(c, 'exec_die', { execID: e.id, exitCode: String(e.exitCode) });
        await rm(e.dir, { recursive: true, force: true }).catch(() => undefined);
      },
    );
    done.catch((err: unknown) => {
      e.running = false;
      const message = runtimeMessage(err instanceof Error ? err.message : String(err));
      if (e.exitCode === null) e.exitCode = /not found|no such file/i.test(message) ? 127 : 126;
      if (attach) sink.write('stderr', Buffer.from(`OCI runtime exec failed: ${message}: unknown\n`));
      log.warn({ err, exec: e.id }, 'exec failed to start');
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

  /**
   * Runs a health probe as an exec (Docker does the same: exec events included) and
   * collects stdout and stderr together. Past `timeoutMs` the process is killed and the
   * result is Docker's: exit code -1, "Health check exceeded timeout (…)".
   */
  async probe(
    c: LiveContainer,
    cmd: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }> {
    const { Id } = await this.create(c.id, {
      Cmd: cmd,
      Env: [],
      WorkingDir: '',
      User: '',
      Tty: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Privileged: false,
      DetachKeys: '',
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const session = this.start(
      Id,
      { detach: false },
      {
        write: (_stream, data) => {
          if (size > MAX_OUTPUT_BYTES) return;
          chunks.push(data);
          size += data.length;
        },
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([session.done.then(() => 'done' as const), timedOut]);
      if (outcome === 'timeout') {
        const pid = this.execs.get(Id)?.pid ?? 0;
        if (pid > 0) killQuietly(pid);
        return { exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeoutMs)})` };
      }
      return { exitCode: this.execs.get(Id)?.exitCode ?? -1, output: Buffer.concat(chunks).toString() };
    } catch {
      return { exitCode: this.execs.get(Id)?.exitCode ?? -1, output: Buffer.concat(chunks).toString() };
    } finally {
      clearTimeout(timer);
      // Probes are not kept for /exec/{id}/json once ended (one a second would pile up).
      void session.done.finally(() => this.execs.delete(Id)).catch(() => undefined);
    }
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
    this.publish(c, `exec_start: ${e.config.Cmd.join(' ')}`, { execID: e.id });
    return { exited: started.exited };
  }
}
