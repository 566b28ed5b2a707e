export * from './event.js';
export * from './system.js';
