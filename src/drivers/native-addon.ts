import { createRequire } from 'node:module';

const loaded = new Map<string, unknown>();

/**
 * One of our addons (native/NAME(.c | folder) → dist/native/NAME.node, built by
 * scripts/build-native.mjs), loaded once; undefined when it was not built (no C compiler), and
 * `onMissing` is then called that once. Found from dist/drivers/*.js and from a bundle in
 * dist/cli/ (one level below dist/), and from src/drivers/*.ts through tsx (two levels).
 */
export function loadAddon<T>(name: string, onMissing?: () => void): T | undefined {
  if (loaded.has(name)) return loaded.get(name) as T | undefined;
  const require = createRequire(import.meta.url);
  let addon: T | undefined;
  for (const path of [`../native/${name}.node`, `../../dist/native/${name}.node`]) {
    try {
      addon = require(path) as T;
      break;
    } catch {}
  }
  loaded.set(name, addon);
  if (!addon) onMissing?.();
  return addon;
}
