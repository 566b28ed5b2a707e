export * from './attach.js';
export * from './container-service.js';
export * from './image-lookup.js';
export * from './logs.js';
export * from './signals.js';
