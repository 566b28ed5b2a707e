import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deleteThroughStatus, killThroughStatus, startThroughFifo } from './crun-state.js';

const root = mkdtempSync(join(tmpdir(), 'crun-state-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A state folder as crun leaves it: config.json (the spec), status, optionally exec.fifo. */
function stateDir(spec: object, status?: object): { id: string; dir: string } {
  const id = `c${++n}`;
  const dir = join(root, id);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  if (status) writeFileSync(join(dir, 'status'), JSON.stringify(status));
  return { id, dir };
}

function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

function statusOf(pid: number, extra: object = {}): object {
  return {
    pid,
    'process-start-time': startTimeOf(pid),
    'cgroup-path': '',
    'systemd-cgroup': false,
    ...extra,
  };
}

async function sleeper(): Promise<{ pid: number; exited: Promise<NodeJS.Signals | null> }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
  return { pid: child.pid ?? 0, exited };
}

async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  await new Promise((r) => child.once('exit', r));
  return pid;
}

describe('startThroughFifo', () => {
  test('writes one byte to the waiting init and removes the fifo', async () => {
    const { id, dir } = stateDir({});
    const fifo = join(dir, 'exec.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      assert.equal(startThroughFifo(root, id), true);
      assert.equal(existsSync(fifo), false);
      const buf = Buffer.alloc(4);
      assert.equal(readSync(reader, buf), 1);
      assert.equal(buf[0], 0);
    } finally {
      closeSync(reader);
    }
  });

  test('leaves it to crun when no init holds the fifo, when there is none, or with hooks', async () => {
    const lone = stateDir({});
    execFileSync('mkfifo', [join(lone.dir, 'exec.fifo')]);
    assert.equal(startThroughFifo(root, lone.id), false);
    assert.equal(existsSync(join(lone.dir, 'exec.fifo')), true);

    const started = stateDir({});
    assert.equal(startThroughFifo(root, started.id), false);

    const hooked = stateDir({ hooks: { poststart: [{ path: '/bin/true' }] } });
    const fifo = join(hooked.dir, 'exec.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      assert.equal(startThroughFifo(root, hooked.id), false);
      assert.equal(existsSync(fifo), true);
    } finally {
      closeSync(reader);
    }
  });
});

describe('killThroughStatus', () => {
  test('signals the process the status names', async () => {
    const p = await sleeper();
    const { id } = stateDir({}, statusOf(p.pid));
    assert.equal(killThroughStatus(root, id, 15), true);
    assert.equal(await p.exited, 'SIGTERM');
  });

  test('leaves a recycled pid, a gone process or no status to crun', async () => {
    const p = await sleeper();
    try {
      const recycled = stateDir({}, { ...statusOf(p.pid), 'process-start-time': startTimeOf(p.pid) + 1 });
      assert.equal(killThroughStatus(root, recycled.id, 15), false);
      const gone = stateDir({}, { pid: await deadPid(), 'process-start-time': 1 });
      assert.equal(killThroughStatus(root, gone.id, 15), false);
      const none = stateDir({});
      assert.equal(killThroughStatus(root, none.id, 15), false);
    } finally {
      process.kill(p.pid, 'SIGKILL');
      await p.exited;
    }
  });
});

describe('deleteThroughStatus', () => {
  test('removes the state folder of a container whose process is gone', async () => {
    const { id, dir } = stateDir({}, { pid: await deadPid(), 'process-start-time': 1, 'cgroup-path': '' });
    assert.equal(deleteThroughStatus(root, id), true);
    assert.equal(existsSync(dir), false);
  });

  test('leaves a live process, a cgroup or poststop hooks to crun', async () => {
    const p = await sleeper();
    try {
      const live = stateDir({}, statusOf(p.pid));
      assert.equal(deleteThroughStatus(root, live.id), false);
      assert.equal(existsSync(live.dir), true);
      const dead = await deadPid();
      const cgroup = stateDir({}, { pid: dead, 'cgroup-path': '/user.slice/x' });
      assert.equal(deleteThroughStatus(root, cgroup.id), false);
      const hooked = stateDir(
        { hooks: { poststop: [{ path: '/bin/true' }] } },
        { pid: dead, 'cgroup-path': '' },
      );
      assert.equal(deleteThroughStatus(root, hooked.id), false);
      assert.equal(existsSync(hooked.dir), true);
    } finally {
      process.kill(p.pid, 'SIGKILL');
      await p.exited;
    }
  });
});
