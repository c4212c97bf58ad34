// bench/preview-density decides that every preview sleeps when no instance process is left
// under the data plane but production's one. Each instance runs under a shim, itself a `node`
// process: counted as an instance, one awake instance looked like two and the bench waited
// for a state that could never come ("not every preview went to sleep within 120 s").
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { descendantsOf, instanceNodesOf, isNodeComm } from '../../bench/preview-density-kit.ts';
import { spawnShim } from '../../src/runtime/process/shim/spawn-shim.ts';
import { isGone, makeFixture, waitFor } from '../runtime/fixtures.ts';

void test('one instance under its shim counts as one instance process, not two', async (t) => {
  const fx = makeFixture();
  t.after(() => fx.cleanup());
  // This test process stands for the data plane: shim (node) → sh → node (the instance).
  const handle = await spawnShim({
    command: `"${process.execPath}" -e "setInterval(() => {}, 1000)"`,
    cwd: fx.dir,
    env: { PATH: '/usr/bin:/bin' },
    secrets: [],
    logFile: fx.logFile('web'),
    statusFile: join(fx.dir, 'shims', 'web.json'),
    port: 1,
  });
  t.after(async () => {
    try {
      process.kill(-handle.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await handle.gone;
  });
  await waitFor('the instance node process', () => descendantsOf(process.pid).some((p) => isNodeComm(p.comm) && !p.shim), 20_000);
  const below = descendantsOf(process.pid);
  assert.equal(below.filter((p) => p.shim).map((p) => p.pid).join(), String(handle.shimPid), 'the shim is recognised');
  assert.equal(below.filter((p) => isNodeComm(p.comm)).length, 2, 'shim and instance are both `node`');
  assert.equal(instanceNodesOf(process.pid).length, 1);

  process.kill(-handle.pid, 'SIGKILL');
  await handle.gone;
  await waitFor('the instance gone', () => isGone(handle.pid), 10_000);
  assert.equal(instanceNodesOf(process.pid).length, 0);
});
