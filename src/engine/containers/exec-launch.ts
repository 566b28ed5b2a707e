import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConmonExecStarted, startConmonExec } from '../../drivers/conmon-exec.js';
import { moduleLogger, span } from '../../log/index.js';
import { execProcessSpec } from './exec-spec.js';
import type { ExecRecord } from './exec-store.js';
import type { LiveContainer } from './live-container.js';
import { runtimeOf } from './oci-runtime.js';
import { type ContainersLayout, runtimeFolders } from './paths.js';
import { runcWording } from './start-error.js';

const log = moduleLogger('containers.exec');

/** runc's own message out of conmon's error text (`… msg="exec failed: …"`). */
export function runtimeMessage(text: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(text);
  if (m?.[1]) return m[1].replace(/\\(.)/g, '$1');
  return runcWording(text.replace(/^conmon exec: /, '').trim());
}

/**
 * Writes the exec's process spec into its folder and has conmon run `runc exec` in the
 * container; with `attach`, `connectAttach` is called once conmon's attach socket is up.
 * conmon is spawned first: its start (loading its libraries, ~10 ms) overlaps the folders
 * and the spec file, which it needs only once released.
 */
export function launchExec(
  layout: ContainersLayout,
  c: LiveContainer,
  e: ExecRecord,
  attach: boolean,
  connectAttach: () => Promise<void>,
): Promise<ConmonExecStarted> {
  const folders = runtimeFolders(layout);
  const rt = runtimeOf(layout, c.id);
  const exitDir = join(e.dir, 'exit');
  const specPath = join(e.dir, 'process.json');
  const [h, w] = e.config.ConsoleSize ?? [0, 0];
  const ready = (async () => {
    // Side by side: each is a round trip to libuv's thread pool.
    const [processSpec] = await Promise.all([
      execProcessSpec(c.paths.spec, c.paths.rootfs, {
        cmd: e.config.Cmd,
        env: e.config.Env,
        workingDir: e.config.WorkingDir,
        user: e.config.User,
        tty: e.config.Tty,
        privileged: e.config.Privileged,
        ...(h && w ? { consoleSize: { height: h, width: w } } : {}),
      }),
      mkdir(exitDir, { recursive: true }),
      mkdir(folders.socketDir, { recursive: true }),
    ]);
    await writeFile(specPath, JSON.stringify(processSpec));
  })();
  return span(log, 'conmon-exec', { exec: e.id.slice(0, 12) }, () =>
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
      { ready, ...(attach ? { connect: connectAttach } : {}) },
    ),
  );
}
