// Every route of the real API that changes something has a stable audit action name, and the
// names are readable (`noun.verb`): read from the route table Fastify builds in createApi.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi } from '../../src/api/create-api.ts';
import type { ApiDeps } from '../../src/api/routes.ts';
import { auditActionOf, auditActions, isMutating } from '../../src/api/audit-actions.ts';

/** METHOD + full pattern of every route, from `printRoutes` (a tree: four columns per level). */
async function routeTable(): Promise<string[]> {
  // Registering routes only stores the handlers: no dependency is called.
  const app = createApi({ engine: {}, deployer: {}, secretApi: {}, backupApi: {}, auditTrail: {} } as unknown as ApiDeps, { logErrors: () => {} });
  await app.ready();
  const tree = app.printRoutes({ commonPrefix: false });
  await app.close();
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line.trimEnd());
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack.push(full);
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) out.push(`${method} ${full}`);
  }
  return out;
}

void test('every mutating route of the API has an audit action name; every name in the table is a real route', async () => {
  const routes = await routeTable();
  assert.ok(routes.includes('POST /api/runs/:id/approve') && routes.includes('PUT /api/projects/:name/status-target'), routes.join('\n'));
  const mutating = routes.filter((r) => isMutating(r.split(' ')[0]!));
  const unnamed = mutating.filter((r) => auditActions[r] === undefined);
  assert.deepEqual(unnamed, [], 'routes that change something without an audit action name (add them to src/api/audit-actions.ts)');
  const stale = Object.keys(auditActions).filter((r) => !routes.includes(r));
  assert.deepEqual(stale, [], 'action names of routes that do not exist');
  for (const name of Object.values(auditActions)) assert.match(name, /^[a-z]+\.[a-z-]+$/);
  assert.equal(new Set(Object.values(auditActions)).size, Object.values(auditActions).length, 'names are unique');
});

void test('a call to no route is named by its method and path', () => {
  assert.equal(auditActionOf('post', '/api/runs/:id/approve', '/api/runs/x/approve'), 'run.approve');
  assert.equal(auditActionOf('POST', undefined, '/api/nothing'), 'POST /api/nothing');
});
