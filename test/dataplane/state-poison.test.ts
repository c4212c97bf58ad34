// One project's bad entry in the data plane's state must not stop the others: at start it is
// skipped with an error line naming it, and every good entry serves.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { createControlServer, listenOnSocket } from '../../src/dataplane/control-server.ts';
import { DataPlaneClient } from '../../src/dataplane/data-plane-client.ts';
import { socketPathOf, statePathOf } from '../../src/dataplane/data-plane-paths.ts';
import type { InstanceSpec } from '../../src/runtime/process/types.ts';
import { send } from '../router/router-test-kit.ts';
import { dataPlaneKit, routeTo } from './dp-kit.ts';

const ids = Array.from({ length: 10 }, (_, i) => `p${i}.web.1`);

void test('a state file with one bad instance and one malformed route among ten: the nine good ones serve, each bad entry is named', async (t) => {
  const kit = dataPlaneKit(t);
  const instances: Record<string, InstanceSpec> = {};
  const routes: Record<string, unknown> = {};
  for (const id of ids) {
    instances[id] = kit.spec(id);
    routes[`${id.split('.')[0]!}.demo.localhost`] = routeTo([id]);
  }
  // p3: health interval 0 (once passed validate); p7's route: a weight that is not a number.
  instances['p3.web.1'] = { ...kit.spec('p3.web.1'), health: { path: '/health', intervalMs: 0, timeoutMs: 500, deadlineMs: 10_000 } };
  routes['p7.demo.localhost'] = { backends: [{ release: 'r1', weight: 'lots', instances: ['p7.web.1'] }] };
  const file = statePathOf(kit.dataDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ instances, routes, pids: {}, sleeping: {} }));

  const dp = await kit.start();
  assert.ok(kit.lines.some((l) => l.startsWith('error:') && l.includes('"p3.web.1"') && l.includes('intervalMs')), kit.lines.join('\n'));
  assert.ok(kit.lines.some((l) => l.startsWith('error:') && l.includes('"p7.demo.localhost"')), kit.lines.join('\n'));
  const good = ids.filter((id) => id !== 'p3.web.1' && id !== 'p7.web.1');
  for (const id of good) await dp.waitReady(id, 20_000);
  for (const id of good) {
    const reply = await send(dp.routerPort, { host: `${id.split('.')[0]!}.demo.localhost` });
    assert.equal(reply.status, 200, `${id}: ${reply.body}`);
    assert.match(reply.body, /^hello from \d+$/);
  }
  // p7's instance runs (its spec is fine) but has no route; p3 never started.
  assert.equal(dp.supervisor.status('p3.web.1'), undefined);
  assert.notEqual((await send(dp.routerPort, { host: 'p7.demo.localhost' })).status, 200);
});

void test('the control socket refuses bad instances and routes before anything is stored', async (t) => {
  const kit = dataPlaneKit(t);
  const dp = await kit.start();
  const server = createControlServer(dp, kit.dataDir, () => {});
  await listenOnSocket(server, socketPathOf(kit.dataDir));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const client = new DataPlaneClient(socketPathOf(kit.dataDir));
  const { logFile: _, ...spec } = kit.spec('bad.web.1');
  const bad: Array<[string, unknown]> = [
    ['interval 0', { ...spec, health: { ...spec.health!, intervalMs: 0 } }],
    ['interval 30 days', { ...spec, health: { ...spec.health!, intervalMs: 30 * 86_400_000 } }],
    ['deadline 30 days', { ...spec, health: { ...spec.health!, deadlineMs: 30 * 86_400_000 } }],
    ['empty command', { ...spec, command: '  ' }],
    ['env not strings', { ...spec, env: { A: 1 } }],
  ];
  for (const [what, body] of bad) {
    await assert.rejects(client.request('PUT', '/instances/bad.web.1', body), (e: Error & { code?: string }) => e.code === 'invalid_input' && /bad\.web\.1/.test(e.message), what);
  }
  await assert.rejects(client.request('PUT', '/routes/x.localhost', { backends: [{ release: 'r', weight: -1, instances: [] }] }), (e: Error & { code?: string }) => e.code === 'invalid_input');
  await assert.rejects(client.request('PUT', '/routes/x.localhost', { backends: [], scaleToZeroMs: 0 }), (e: Error & { code?: string }) => e.code === 'invalid_input');
  assert.deepEqual(dp.instances(), []);
  assert.equal((await client.request<unknown[]>('GET', '/instances')).length, 0);
});
