#!/usr/bin/env -S node --max-semi-space-size=1 --lite-mode --no-expose-wasm --expose-gc
// The launcher's entry (`rootlessd`, `npm start`, the systemd unit; flags in node-flags.ts).
// It runs the one-file bundle of rootlessd.ts that `npm run build` makes
// (dist/cli/launcher.bundle.mjs: about 8 MiB less memory than a few hundred ES modules, and a
// faster start), or the modules themselves when there is none (from source, through tsx).
import { existsSync } from 'node:fs';

const bundle = new URL('./launcher.bundle.mjs', import.meta.url);
await import(existsSync(bundle) ? bundle.href : './rootlessd.js');
