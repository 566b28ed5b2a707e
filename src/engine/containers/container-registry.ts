import { Conflict, InvalidParameter, NotFound } from '../../errdefs/index.js';
import type { LiveContainer } from './live-container.js';

/** The containers in memory, by id and by name (names keep their leading `/`). */
export class ContainerRegistry {
  private readonly byId = new Map<string, LiveContainer>();
  private readonly byName = new Map<string, string>();

  /** By full id, name (with or without `/`), or unique id prefix; 404 otherwise. */
  get(ref: string): LiveContainer {
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const byName = this.byName.get(ref.startsWith('/') ? ref : `/${ref}`);
    if (byName) return this.byId.get(byName) as LiveContainer;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = [...this.byId.keys()].filter((id) => id.startsWith(ref));
      if (matches.length === 1) return this.byId.get(matches[0] as string) as LiveContainer;
      if (matches.length > 1) throw new InvalidParameter(`multiple IDs found with provided prefix: ${ref}`);
    }
    throw new NotFound(`No such container: ${ref}`);
  }

  /** By full id only. */
  find(id: string): LiveContainer | undefined {
    return this.byId.get(id);
  }

  /** The id of the container that holds `name`, if one does. */
  nameHolder(name: string): string | undefined {
    return this.byName.get(name);
  }

  /** Takes `name` for `id`; Docker's 409 when another container holds it. */
  claimName(name: string, id: string): void {
    const holder = this.byName.get(name);
    if (holder)
      throw new Conflict(
        `Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    this.byName.set(name, id);
  }

  releaseName(name: string): void {
    this.byName.delete(name);
  }

  /** A created container (its name claimed before). */
  add(c: LiveContainer): void {
    this.byId.set(c.id, c);
  }

  /** A container read back at start-up, with its name. */
  restore(c: LiveContainer): void {
    this.byId.set(c.id, c);
    this.byName.set(c.record.name, c.id);
  }

  /** Forgets the container and frees its name. */
  drop(c: LiveContainer): void {
    this.byId.delete(c.id);
    this.byName.delete(c.record.name);
  }

  all(): LiveContainer[] {
    return [...this.byId.values()];
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  get size(): number {
    return this.byId.size;
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const c of this.byId.values()) {
      if (c.state.status === 'paused') paused++;
      else if (c.running) running++;
    }
    return { total: this.byId.size, running, paused, stopped: this.byId.size - running - paused };
  }

  /** Ids of the containers made from an image (an image in use cannot be removed without force). */
  imageUsers(imageId: string): string[] {
    return [...this.byId.values()].filter((c) => c.record.imageId === imageId).map((c) => c.id);
  }
}
