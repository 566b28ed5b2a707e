export * from './apply-layer.js';
export * from './chain-id.js';
export * from './create-snapshotter.js';
export * from './detect.js';
export * as extract from './extract/index.js';
export * from './overlay-snapshotter.js';
export * from './types.js';
export * from './usage.js';
export * from './vfs-snapshotter.js';
