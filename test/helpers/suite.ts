import { after, before } from 'node:test';
import { pushBusybox, pushMinbase } from '../fixtures/images.js';
import { type Registry, type RegistryOptions, startRegistry } from '../fixtures/registry.js';
import { type Daemon, type StartDaemonOptions, startDaemon } from './daemon.js';
import { dockerOk } from './docker.js';

/**
 * The set-up most integration test files share: a local registry, test images pushed to it, a
 * daemon started as the test user that has pulled them, all stopped again after the file (or
 * the describe block) it is called in.
 */

/** The test images (test/fixtures/images.ts), pushed as library/busybox:latest and library/debian:bookworm. */
export type SuiteImage = 'busybox' | 'minbase';

const IMAGE_REFS: Record<SuiteImage, string> = {
  busybox: 'library/busybox:latest',
  minbase: 'library/debian:bookworm',
};
const PUSH: Record<SuiteImage, (registry: Registry, ref: string) => Promise<string>> = {
  busybox: pushBusybox,
  minbase: pushMinbase,
};

export interface SuiteOptions {
  /** Start a registry: true, or its options (implied by `images`). */
  registry?: boolean | RegistryOptions;
  /** Images to push to the registry. */
  images?: readonly SuiteImage[];
  /** Pull the pushed images into the daemon (default true). */
  pull?: boolean;
  /** Options for startDaemon, or false for no daemon (the file starts its own). */
  daemon?: boolean | StartDaemonOptions;
  /**
   * Runs first at the teardown, while the daemon still runs (to remove what the file made);
   * skipped when the set-up failed.
   */
  teardown?: (env: Suite) => unknown;
}

export interface Suite {
  /** The daemon (throws before the set-up ran, or with `daemon: false`). */
  readonly daemon: Daemon;
  /** The registry (throws before the set-up ran, or without one). */
  readonly registry: Registry;
  /** The image's full reference in the registry: `127.0.0.1:PORT/library/busybox:latest`. */
  image(name: SuiteImage): string;
  /** The manifest digest the push returned. */
  digest(name: SuiteImage): string;
}

/**
 * Registers, in the file or describe block it is called in, a `before` hook that starts the
 * registry, pushes the images, starts the daemon and pulls them, then runs `ready` (the file's
 * own set-up), and an `after` hook that runs `teardown` and stops the daemon and the registry.
 * The returned context is filled in by the `before` hook. An `after` hook the file registers
 * after this call runs once both are stopped (node:test runs hooks in the order registered).
 */
export function withDaemon(options: SuiteOptions = {}, ready?: (env: Suite) => unknown): Suite {
  let daemon: Daemon | undefined;
  let registry: Registry | undefined;
  const digests = new Map<SuiteImage, string>();
  let started = false;
  const images = options.images ?? [];

  const env: Suite = {
    get daemon(): Daemon {
      if (!daemon) throw new Error('withDaemon: no daemon (not started yet, or daemon: false)');
      return daemon;
    },
    get registry(): Registry {
      if (!registry) throw new Error('withDaemon: no registry (not started yet, or none asked for)');
      return registry;
    },
    image: (name) => `${env.registry.host}/${IMAGE_REFS[name]}`,
    digest(name) {
      const digest = digests.get(name);
      if (!digest) throw new Error(`withDaemon: ${name} was not pushed`);
      return digest;
    },
  };

  before(async () => {
    if (options.registry || images.length > 0) {
      registry = await startRegistry(typeof options.registry === 'object' ? options.registry : {});
      for (const name of images) digests.set(name, await PUSH[name](registry, IMAGE_REFS[name]));
    }
    if (options.daemon !== false) {
      daemon = await startDaemon(typeof options.daemon === 'object' ? options.daemon : {});
      if (options.pull !== false)
        for (const name of images) await dockerOk(daemon, ['pull', env.image(name)]);
    }
    await ready?.(env);
    started = true;
  });

  after(async () => {
    try {
      if (started) await options.teardown?.(env);
    } finally {
      await daemon?.stop();
      await registry?.stop();
    }
  });

  return env;
}
