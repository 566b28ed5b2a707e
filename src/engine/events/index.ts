export * from './bus.js';
export * from './filter.js';
export * from './timestamp.js';
