/**
 * Node flags of the launcher, wherever it is started: main.js's `#!` line, `npm start`, the
 * systemd unit's ExecStart (`rootlessd install`) and the test helpers. The launcher is not hot
 * (it starts and supervises three processes and then waits), so it runs without V8's optimising
 * compilers (`--lite-mode`: about 5 MiB less RSS, as their code pages of the node binary are never
 * touched, and lazily allocated feedback vectors), with a young generation of at most 1 MiB per
 * semi-space (the default grows to 16 MiB while loading and keeps it). `--no-expose-wasm`
 * silences the warning that lite mode turns WebAssembly off, which the launcher does not use.
 * `--expose-gc`: a full collection before it trims malloc's arenas once started
 * (src/drivers/malloc-trim.ts).
 */
export const LAUNCHER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--lite-mode',
  '--no-expose-wasm',
  '--expose-gc',
];
