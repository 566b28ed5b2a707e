import { lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { type ConmonCreated, readExitFile, readPidFile, startConmon } from '../../drivers/conmon.js';
import { CRUN } from '../../drivers/crun.js';
import { mountAll, unmount } from '../../drivers/mount.js';
import { runcDelete, runcKnows, runcStart } from '../../drivers/runc.js';
import { Conflict, InvalidParameter } from '../../errdefs/index.js';
import { moduleLogger, span } from '../../log/index.js';
import type { Snapshotter } from '../layers/types.js';
import type { LiveNetworking } from '../networks/from-container.js';
import { parseLink } from '../networks/legacy-links.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { capabilitySet } from './capabilities.js';
import { resolveUser } from './container-user.js';
import { deviceMounts, privilegedDeviceMounts } from './devices.js';
import { writeEtcFiles } from './etc-files.js';
import { linkEnv } from './link-env.js';
import type { LiveContainer } from './live-container.js';
import { logSizeMax } from './log-rotation.js';
import { type NamespaceModes, type PeerProcess, resolveNamespaceModes } from './namespace-modes.js';
import { newRuntime, runtimeOf } from './oci-runtime.js';
import { buildSpec, type NetworkPlacement } from './oci-spec.js';
import { type ContainersLayout, runtimeFolders } from './paths.js';
import { configOf, hostConfigOf } from './record.js';
import { loadDefaultSeccomp } from './seccomp.js';
import { annotateSeccomp, learnSeccomp, seccompKey } from './seccomp-bpf.js';

const log = moduleLogger('containers.start');

export interface RuntimeContext {
  layout: ContainersLayout;
  snapshotter: () => Promise<Snapshotter>;
  holderPid: number;
  singleId: boolean;
  defaultDns: string;
  /** Networks: addresses, veths, published ports (absent in tests without a container network). */
  networking?: LiveNetworking;
  /** Volumes and mounts (Binds, Mounts, the image's volumes). */
  volumes?: VolumeService;
  /** Another container by id or name (for NetworkMode container:<ref>; throws NotFound). */
  peer?: (ref: string) => LiveContainer;
}

/** NetworkMode container:<ref>: the running container whose network namespace is joined. */
function joinedPeer(ctx: RuntimeContext, c: LiveContainer, mode: string): LiveContainer | undefined {
  if (!mode.startsWith('container:')) return undefined;
  const ref = mode.slice('container:'.length);
  if (!ctx.peer) throw new InvalidParameter('container mode networking is not available here');
  const peer = ctx.peer(ref);
  if (peer.id === c.id) throw new InvalidParameter('cannot join own network namespace');
  if (!peer.running || !peer.state.pid)
    throw new Conflict(
      `cannot join network namespace of a non running container: container ${peer.id} is not running`,
    );
  return peer;
}

/** The variables of a container's links on the default bridge (its targets run: net-prepare checked). */
function legacyLinkEnv(ctx: RuntimeContext, c: LiveContainer): string[] {
  const hc = hostConfigOf(c.record);
  if ((hc.NetworkMode ?? 'bridge') !== 'bridge' || !hc.Links?.length || !ctx.peer || !ctx.networking)
    return [];
  const env: string[] = [];
  for (const link of hc.Links) {
    const { target, alias } = parseLink(link);
    const t = ctx.peer(target);
    const ip = ctx.networking.settings(t).Networks?.bridge?.IPAddress;
    if (!ip) continue;
    const tc = configOf(t.record);
    env.push(
      ...linkEnv(c.record.name.slice(1), alias, {
        ip,
        exposedPorts: Object.keys(tc.ExposedPorts ?? {}),
        env: tc.Env ?? [],
      }),
    );
  }
  return env;
}

async function namespaceModes(ctx: RuntimeContext, c: LiveContainer): Promise<NamespaceModes> {
  const hc = hostConfigOf(c.record);
  const modes = resolveNamespaceModes(hc, c.id, (ref) => peerProcess(ctx, ref));
  if (hc.IpcMode !== 'shareable') return modes;
  return { ...modes, shmSource: await mountShareableShm(c, hc.ShmSize || 64 * 1024 * 1024) };
}

/** Another container for PidMode/IpcMode/UTSMode container:<ref>. */
function peerProcess(ctx: RuntimeContext, ref: string): PeerProcess {
  if (!ctx.peer) throw new InvalidParameter('container namespace modes are not available here');
  const p = ctx.peer(ref);
  return {
    id: p.id,
    running: p.running,
    pid: p.state.pid ?? 0,
    shareableIpc: hostConfigOf(p.record).IpcMode === 'shareable',
    shmPath: shareableShm(p),
  };
}

/** Where a shareable-IPC container's /dev/shm tmpfs is mounted (in the engine's mounts). */
function shareableShm(c: LiveContainer): string {
  return join(c.paths.bundle, 'shm');
}

/** IpcMode shareable: /dev/shm is a tmpfs of the engine's so that others can bind it. */
async function mountShareableShm(c: LiveContainer, size: number): Promise<string> {
  const dir = shareableShm(c);
  await mkdir(dir, { recursive: true });
  await mountAll(
    [{ type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${size}`] }],
    dir,
  );
  return dir;
}

/** The network namespace a NetworkMode asks for. */
export function networkPlacement(mode: string, holderPid: number): NetworkPlacement {
  if (mode === 'host') return { kind: 'join', path: `/proc/${holderPid}/ns/net` };
  return { kind: 'own' };
}

/** The snapshot key of a container's writable layer. */
export function snapshotKey(id: string): string {
  return `container-${id}`;
}

async function mountRootfs(ctx: RuntimeContext, c: LiveContainer): Promise<void> {
  const snapshotter = await ctx.snapshotter();
  const mounts = await snapshotter.mounts(snapshotKey(c.id));
  mkdirSync(c.paths.rootfs, { recursive: true });
  await mountAll(mounts, c.paths.rootfs);
}

/**
 * Mounts the rootfs, writes the bundle, has conmon run `runc create`, connects attachers,
 * then `runc start`. Returns conmon's handle (its `exited` resolves at the container's end).
 */
export async function startContainer(ctx: RuntimeContext, c: LiveContainer): Promise<ConmonCreated> {
  const folders = runtimeFolders(ctx.layout);
  const config = configOf(c.record);
  const hc = hostConfigOf(c.record);
  // The engine's own folders and small files (not the rootfs's) in synchronous calls: each is
  // ~0.02 ms that way, against ~0.3 ms of hand-overs to the thread pool and back.
  const rt = newRuntime(ctx.layout, hc.Runtime);
  for (const dir of [folders.exitDir, folders.socketDir, rt.root, c.paths.bundle])
    mkdirSync(dir, { recursive: true });
  // Leftovers of an earlier run of this container.
  const t = { id: c.id.slice(0, 12) };
  rmSync(join(folders.exitDir, c.id), { force: true });
  const stale = runtimeOf(ctx.layout, c.id);
  if (runcKnows(stale, c.id))
    await span(log, 'stale-delete', t, () => runcDelete(stale, c.id, true).catch(() => undefined));
  await span(log, 'mount', t, () => mountRootfs(ctx, c));
  c.state.mounted = true;
  try {
    const peer = joinedPeer(ctx, c, hc.NetworkMode ?? 'bridge');
    const network: NetworkPlacement = peer
      ? { kind: 'join', path: `/proc/${peer.state.pid}/ns/net` }
      : networkPlacement(hc.NetworkMode ?? 'bridge', ctx.holderPid);
    const prepared = await span(log, 'net-prepare', t, async () => ctx.networking?.prepare(c));
    await span(log, 'etc-files', t, async () =>
      writeEtcFiles(c.paths, {
        hostname: config.Hostname ?? c.id.slice(0, 12),
        domainname: config.Domainname ?? undefined,
        extraHosts: hc.ExtraHosts ?? undefined,
        dns: hc.Dns ?? undefined,
        dnsSearch: hc.DnsSearch ?? undefined,
        dnsOptions: hc.DnsOptions ?? undefined,
        defaultDns: prepared?.nameservers ?? ctx.defaultDns,
        hostNetwork: network.kind === 'join',
      }),
    );
    // Sharing a network namespace shares its hostname, hosts and resolv.conf, as Docker does.
    if (peer)
      for (const f of ['hostname', 'hosts', 'resolvConf'] as const)
        await copyFile(peer.paths[f], c.paths[f]).catch(() => undefined);
    const user = await span(log, 'user', t, () =>
      resolveUser(c.paths.rootfs, config.User ?? '', hc.GroupAdd ?? []),
    );
    if (config.WorkingDir) {
      const dir = join(c.paths.rootfs, normalize(`/${config.WorkingDir}`));
      await mkdir(dir, { recursive: true }).catch(() => undefined);
    }
    // Mount points of the three files (in synchronous calls: a folder and three empty files);
    // nothing is written through a symlink (`wx` does not follow one).
    try {
      mkdirSync(join(c.paths.rootfs, 'etc'), { recursive: true });
    } catch {}
    for (const f of ['etc/hosts', 'etc/hostname', 'etc/resolv.conf']) {
      const p = join(c.paths.rootfs, f);
      try {
        lstatSync(p);
      } catch {
        try {
          writeFileSync(p, '', { flag: 'wx' });
        } catch {}
      }
    }
    const peerConfig = peer ? configOf(peer.record) : undefined;
    const spec = buildSpec({
      // The joined namespace's host name, as Docker does.
      config: peerConfig
        ? { ...config, Hostname: peerConfig.Hostname, Domainname: peerConfig.Domainname }
        : config,
      hostConfig: hc,
      paths: c.paths,
      user,
      capabilities: capabilitySet({ privileged: hc.Privileged, capAdd: hc.CapAdd, capDrop: hc.CapDrop }),
      network,
      singleId: ctx.singleId,
      seccomp: await span(log, 'seccomp', t, () => loadDefaultSeccomp()),
      userMounts: await span(log, 'volumes', t, async () => ctx.volumes?.prepare(c.id, c.paths.rootfs)),
      namespaces: await namespaceModes(ctx, c),
      devices: [
        ...(hc.Privileged ? await privilegedDeviceMounts() : []),
        ...(await deviceMounts(hc.Devices ?? [])),
      ],
      linkedEnv: legacyLinkEnv(ctx, c),
    });
    // crun: a filter compiled for the same seccomp section before is reused (seccomp-bpf.ts).
    const filterKey = rt.binary === CRUN ? seccompKey(spec) : undefined;
    const compiles = filterKey !== undefined && !annotateSeccomp(spec, filterKey);
    writeFileSync(c.paths.spec, JSON.stringify(spec));
    const created = await span(log, 'conmon-create', t, () =>
      startConmon({
        id: c.id,
        name: c.record.name.slice(1),
        runtime: rt.binary ?? 'runc',
        runtimeRoot: rt.root,
        bundle: c.paths.bundle,
        pidFile: c.paths.pidFile,
        conmonPidFile: c.paths.conmonPid,
        logPath: c.paths.log,
        ...(logSizeMax(c) ? { logSizeMax: logSizeMax(c) } : {}),
        exitDir: folders.exitDir,
        socketDir: folders.socketDir,
        stdin: Boolean(config.OpenStdin),
        tty: Boolean(config.Tty),
        leaveStdinOpen: Boolean(config.OpenStdin) && !config.StdinOnce,
      }),
    );
    if (compiles) void learnSeccomp(filterKey, join(rt.root, c.id));
    const conmonPid = readPidFile(c.paths.conmonPid);
    c.state.conmonPid = conmonPid;
    c.state.pid = created.pid;
    await span(log, 'net-attach', t, async () => ctx.networking?.attach(c, created.pid));
    await Promise.all(
      [...c.beforeStart].map((hook) =>
        hook.run().catch((err: unknown) => log.warn({ err, id: c.id }, 'attach before start failed')),
      ),
    );
    c.beforeStart.clear();
    await span(log, 'runc-start', t, () => runcStart(rt, c.id));
    return created;
  } catch (err) {
    for (const hook of c.beforeStart) hook.cancel();
    c.beforeStart.clear();
    await cleanupRuntime(ctx, c);
    throw err;
  }
}

interface Cleanup {
  /** The rootfs is unmounted (or could not be, and was detached lazily). */
  unmounted: Promise<void>;
  done: Promise<void>;
}

/**
 * Clean-ups under way, by container: a second caller (a forced removal, woken by the exit
 * while the exit path cleans up) joins the first instead of running `runc delete` and the
 * unmount again.
 */
const cleanups = new WeakMap<LiveContainer, Cleanup>();

/**
 * After the container ended: runc's state, the endpoints, the rootfs mount. The three are
 * independent (the rootfs is our namespace's copy of the mount; the veth goes by name), so
 * they run side by side. Errors are logged, not thrown.
 */
export function cleanupRuntime(ctx: RuntimeContext, c: LiveContainer): Promise<void> {
  const running = cleanups.get(c);
  if (running) return running.done;
  const rt = runtimeOf(ctx.layout, c.id);
  const t = { id: c.id.slice(0, 12) };
  if (c.state.mounted) ctx.volumes?.unmounted(c.id);
  const shareable = hostConfigOf(c.record).IpcMode === 'shareable';
  const unmounted = span(log, 'umount', t, async () => {
    if (shareable) await unmount(shareableShm(c), { lazy: true }).catch(() => undefined);
    await unmount(c.paths.rootfs).catch(async () => {
      await unmount(c.paths.rootfs, { lazy: true }).catch(() => undefined);
    });
  });
  const done = Promise.all([
    span(log, 'runc-delete', t, () =>
      runcKnows(rt, c.id) ? runcDelete(rt, c.id, true).catch(() => undefined) : Promise.resolve(),
    ),
    span(log, 'net-release', t, async () => ctx.networking?.release(c.id)),
    unmounted,
  ]).then(
    () => {
      c.state.mounted = false;
      cleanups.delete(c);
    },
    (err: unknown) => {
      cleanups.delete(c);
      throw err;
    },
  );
  cleanups.set(c, { unmounted, done });
  return done;
}

/**
 * Resolves once the clean-up under way has unmounted the container's rootfs (at once when
 * none is under way): its writable layer can go then, beside `runc delete`.
 */
export function rootfsReleased(c: LiveContainer): Promise<void> {
  return cleanups.get(c)?.unmounted ?? Promise.resolve();
}

/** The exit code conmon recorded, or undefined when there is no exit file. */
export function readExitCode(layout: ContainersLayout, id: string): Promise<number | undefined> {
  return readExitFile(join(runtimeFolders(layout).exitDir, id));
}
