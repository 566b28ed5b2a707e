import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPlatform } from './create-container.js';

test("checkPlatform: an image of another platform is 404 with Docker's message", () => {
  const amd64 = { id: 'sha256:1', config: { os: 'linux', architecture: 'amd64', config: {} } };
  assert.doesNotThrow(() => checkPlatform('bb', amd64, 'linux/amd64'));
  assert.doesNotThrow(() => checkPlatform('bb', amd64, 'linux/x86_64'));
  assert.throws(
    () => checkPlatform('bb', amd64, 'linux/arm64'),
    (err: Error & { kind?: string }) =>
      err.kind === 'NotFound' &&
      err.message ===
        'image with reference bb was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64',
  );
  assert.throws(() => checkPlatform('bb', amd64, 'linux//'), /unknown operating system or architecture/);
});
