import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot, renderUnit, unitFilePath } from './install.js';

async function template(): Promise<string> {
  return readFile(join(packageRoot(), 'systemd-user', 'rootlessd.service'), 'utf8');
}

test('the template carries the settings the daemon relies on', async () => {
  const unit = await template();
  for (const line of [
    'Type=notify',
    'NotifyAccess=all',
    'Delegate=yes',
    'KillMode=mixed',
    'Restart=always',
    'RestartSec=2',
    'LimitNOFILE=1048576',
    'LimitNPROC=infinity',
    'LimitCORE=infinity',
    'TasksMax=infinity',
    'WantedBy=default.target',
  ]) {
    assert.ok(unit.split('\n').includes(line), `missing ${line}`);
  }
  assert.match(unit, /^Environment=PATH=.*:\/usr\/sbin:.*:\/sbin(:|$)/m);
});

test('ExecStart runs this node on dist/cli/main.js; node’s folder joins PATH', async () => {
  const unit = renderUnit(await template(), '/opt/node20/bin/node', '/srv/rootlessd/dist/cli/main.js');
  assert.match(
    unit,
    /^ExecStart=\/opt\/node20\/bin\/node --max-semi-space-size=1 --lite-mode --no-expose-wasm --expose-gc \/srv\/rootlessd\/dist\/cli\/main\.js$/m,
  );
  assert.match(unit, /^Environment=PATH=\/opt\/node20\/bin:\/usr\/local\/sbin:/m);
  assert.equal(unit.match(/^ExecStart=/gm)?.length, 1);
});

test('paths with spaces and % are quoted for systemd', async () => {
  const unit = renderUnit(await template(), '/usr/bin/node', '/home/a b/100%/dist/cli/main.js');
  assert.match(
    unit,
    /^ExecStart=\/usr\/bin\/node --max-semi-space-size=1 --lite-mode --no-expose-wasm --expose-gc "\/home\/a b\/100%%\/dist\/cli\/main\.js"$/m,
  );
  assert.match(unit, /^Environment=PATH=\/usr\/local\/sbin:/m);
});

test('a template without ExecStart is refused', () => {
  assert.throws(() => renderUnit('[Service]\nType=notify\n', '/n', '/m'));
});

test('the unit goes to $XDG_CONFIG_HOME/systemd/user', () => {
  assert.equal(unitFilePath({ HOME: '/home/u' }), '/home/u/.config/systemd/user/rootlessd.service');
  assert.equal(
    unitFilePath({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }),
    '/cfg/systemd/user/rootlessd.service',
  );
});
