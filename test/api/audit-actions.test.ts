// Every route of the real API that changes something has a stable audit action name, and the
// names are readable (`noun.verb`): read from the route table Fastify builds in createApi.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiRouteTable } from '../auth/api-route-table.ts';
import { auditActionOf, auditActions, isMutating } from '../../src/api/audit-actions.ts';

/** METHOD + full pattern of every route, from the route table createApi records. */
async function routeTable(): Promise<string[]> {
  return (await apiRouteTable()).map((r) => `${r.method} ${r.url}`);
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
