import { InvalidParameter } from '../../errdefs/index.js';
import type { EventMessage } from '../../types/index.js';

export type EventFilters = Record<string, string[]>;

export const EVENT_FILTER_KEYS = [
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
] as const;

/** True when the key is absent, or one value equals the given value. */
function exact(filters: EventFilters, key: string, ...values: (string | undefined)[]): boolean {
  const wanted = filters[key];
  if (!wanted || wanted.length === 0) return true;
  return values.some((v) => v !== undefined && wanted.includes(v));
}

/** True when the key is absent, or one value equals or prefixes the given value. */
function fuzzy(filters: EventFilters, key: string, ...values: (string | undefined)[]): boolean {
  const wanted = filters[key];
  if (!wanted || wanted.length === 0) return true;
  return values.some((v) => v !== undefined && v !== '' && wanted.some((w) => v === w || v.startsWith(w)));
}

function withoutTag(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(0, colon) : ref;
}

/** Actions such as "exec_create: sh -c true" match the filter "exec_create". */
function baseAction(action: string): string {
  const i = action.indexOf(':');
  return i === -1 ? action : action.slice(0, i).trim();
}

function labels(filters: EventFilters, attributes: Record<string, string>): boolean {
  for (const want of filters.label ?? []) {
    const eq = want.indexOf('=');
    if (eq === -1) {
      if (!(want in attributes)) return false;
    } else if (attributes[want.slice(0, eq)] !== want.slice(eq + 1)) return false;
  }
  return true;
}

const NAMED_TYPES = [
  'config',
  'container',
  'daemon',
  'network',
  'node',
  'plugin',
  'secret',
  'service',
  'volume',
] as const;

/**
 * Docker's event filter: every given key must match. Object keys (container, volume, …)
 * match the actor's ID or name by prefix; image matches the image ID or reference with or
 * without its tag; label matches "key" or "key=value" in the attributes. Unknown keys
 * are a 400.
 */
export function compileEventFilter(filters: EventFilters): (event: EventMessage) => boolean {
  for (const key of Object.keys(filters)) {
    if (!(EVENT_FILTER_KEYS as readonly string[]).includes(key))
      throw new InvalidParameter(`invalid filter '${key}'`);
  }
  return (event) => {
    const attrs = event.Actor.Attributes;
    if (!exact(filters, 'scope', event.scope)) return false;
    if (!exact(filters, 'type', event.Type)) return false;
    if (!exact(filters, 'event', event.Action, baseAction(event.Action))) return false;
    for (const type of NAMED_TYPES) {
      if (filters[type] && !(event.Type === type && fuzzy(filters, type, event.Actor.ID, attrs.name)))
        return false;
    }
    if (filters.image) {
      const name = event.Type === 'image' ? attrs.name : attrs.image;
      if (!exact(filters, 'image', event.Actor.ID, name, withoutTag(name))) return false;
    }
    return labels(filters, attrs);
  };
}
