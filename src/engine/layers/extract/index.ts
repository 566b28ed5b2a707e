export * from './apply-tar.js';
export * from './decompress.js';
export * from './entry-path.js';
export * from './pax-tap.js';
export * from './whiteout-formats.js';
