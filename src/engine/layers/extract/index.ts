export * from './apply-tar.js';
export * from './decompress.js';
export * from './entry-path.js';
export * from './pax-records.js';
export * from './tar-reader.js';
export * from './whiteout-formats.js';
