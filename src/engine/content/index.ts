export * from './digest.js';
export * from './store.js';
export * from './verify-stream.js';
