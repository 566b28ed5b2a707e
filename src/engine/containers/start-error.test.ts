import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Internal, InvalidParameter } from '../../errdefs/index.js';
import { commandWording, runcWording, runtimeMessage, startError } from './start-error.js';

test("runc's message is taken out of conmon's stderr", () => {
  const text =
    'conmon: runtime failed: time="x" level=error msg="exec: \\"nope\\": executable file not found in $PATH"';
  assert.equal(runtimeMessage(text), 'exec: "nope": executable file not found in $PATH');
});

test("crun's message on the sync pipe is worded as runc's", () => {
  assert.equal(
    runtimeMessage('conmon: executable file `nope` not found in $PATH: No such file or directory'),
    'exec: "nope": executable file not found in $PATH',
  );
  assert.equal(runcWording('open executable: Permission denied'), 'exec: permission denied');
  assert.equal(runtimeMessage('conmon exited before the container was created'), undefined);
});

test('a missing command is 127 and a non-executable one 126, both the client’s mistake', () => {
  const missing = startError(new Internal('conmon: executable file `nope` not found in $PATH'));
  assert.equal(missing.exitCode, 127);
  assert.match(String(missing.error), /exec: "nope": executable file not found in \$PATH/);
  assert.equal(startError(new Internal('conmon: open executable: Permission denied')).exitCode, 126);
  assert.equal(startError(new Error('something else')).exitCode, 128);
});

test('an empty command is "not found" (127) whatever the runtime said', () => {
  const crun = new Internal('conmon: open executable: Operation not permitted');
  const empty = startError(crun, '');
  assert.equal(empty.exitCode, 127);
  assert.ok(empty.error instanceof InvalidParameter);
  assert.match((empty.error as Error).message, /exec: "": executable file not found in \$PATH/);
  // The same words for a command that is there stay the runtime's error.
  assert.equal(startError(crun, '/bin/true').exitCode, 128);
});

test('commandWording rewords only an empty command', () => {
  const crun = 'open executable: Operation not permitted';
  assert.equal(commandWording(crun, ''), 'exec: "": executable file not found in $PATH');
  assert.equal(commandWording(crun, 'sh'), crun);
  assert.equal(commandWording('other', ''), 'other');
});
