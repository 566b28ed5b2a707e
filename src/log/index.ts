export * from './logger.js';
export * from './span.js';
