export { type MountRequest, type OciMount, VolumeService } from './volume-service.js';
export { VolumeStore } from './volume-store.js';
