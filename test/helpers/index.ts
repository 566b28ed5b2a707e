export * from './app.js';
export * from './command.js';
export * from './daemon.js';
export * from './daemon-env.js';
export * from './docker.js';
export * from './http.js';
export * from './proc.js';
export * from './test-user.js';
