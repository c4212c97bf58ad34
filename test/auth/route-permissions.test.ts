// Every route declares its permission where it is defined; the server refuses to build a route
// without one. Read from the real route table (Fastify's onRoute), not from a list kept by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { guardRequests } from '../../src/api/request-guard.ts';
import { TokenService } from '../../src/auth/token-service.ts';
import { defaultSessionPolicy, SessionService } from '../../src/auth/session-service.ts';
import { FailureLimiter, defaultFailureLimit } from '../../src/auth/failure-limiter.ts';
import { systemClock } from '../../src/engine/clock.ts';
import type { Store } from '../../src/store/store.ts';
import { apiRouteTable } from './api-route-table.ts';

void test('every route of the API declares a permission, and the expected routes are public', async () => {
  const routes = await apiRouteTable();
  assert.ok(routes.length >= 30, `the table holds the API's routes (${routes.length})`);
  for (const r of routes) assert.ok(r.permission, `${r.method} ${r.url} declares a permission`);
  const publicOnes = routes.filter((r) => 'public' in r.permission).map((r) => `${r.method} ${r.url}`).sort();
  // The dashboard's page and assets (its data comes from the API); its sign-in page asks what it
  // offers and whether anyone is signed in; signing in is the authentication itself.
  assert.deepEqual(publicOnes, ['GET /*', 'GET /api/auth/config', 'GET /api/auth/oidc/callback', 'GET /api/auth/oidc/login', 'GET /api/health', 'GET /api/session', 'GET /assets/:name', 'GET /healthz', 'HEAD /*', 'HEAD /api/auth/config', 'HEAD /api/auth/oidc/callback', 'HEAD /api/auth/oidc/login', 'HEAD /api/health', 'HEAD /api/session', 'HEAD /assets/:name', 'HEAD /healthz', 'POST /api/session', 'POST /hooks/:host/:project']);
  const roleOf = (method: string, url: string): string | undefined => {
    const p = routes.find((r) => r.method === method && r.url === url)?.permission;
    return p && 'role' in p ? `${p.role}${p.global ? ' global' : ''}` : undefined;
  };
  // DESIGN.md "Trust": deployers trigger, cancel, approve, reject, promote, abort, roll back, redeploy.
  for (const url of ['/api/projects/:name/trigger', '/api/runs/:id/cancel', '/api/runs/:id/approve', '/api/runs/:id/reject', '/api/projects/:name/environments/:env/promote', '/api/projects/:name/environments/:env/abort', '/api/projects/:name/environments/:env/rollback', '/api/projects/:name/environments/:env/redeploy']) {
    assert.equal(roleOf('POST', url), 'deployer', url);
  }
  assert.equal(roleOf('GET', '/api/secrets/:group/:key'), 'admin global', 'secret values: admins only');
  assert.equal(roleOf('GET', '/api/secrets/:group/:key/versions'), 'viewer global', "a key's versions carry no value: viewers, unlimited tokens");
  assert.equal(roleOf('POST', '/api/dataplane/shutdown'), 'admin global');
  assert.equal(roleOf('GET', '/api/overview'), 'viewer', 'the Overview in one read: viewers, scoped to what they see');
  assert.equal(roleOf('POST', '/api/backup'), 'admin global');
  assert.equal(roleOf('POST', '/api/tokens'), 'admin global');
  for (const r of routes.filter((x) => x.method === 'GET' && (!x.url.startsWith('/api/secrets/:group/:key') || x.url.endsWith('/versions')) && !x.url.startsWith('/api/tokens') && !x.url.startsWith('/api/audit'))) {
    assert.ok('public' in r.permission || r.permission.role === 'viewer', `viewers read ${r.url}`);
  }
});

void test('a route without a permission stops the server from being built', async () => {
  const app = Fastify();
  guardRequests(app, { tokens: new TokenService({ store: {} as Store, clock: systemClock }), sessions: new SessionService({ store: {} as Store, clock: systemClock, tokens: new TokenService({ store: {} as Store, clock: systemClock }), policy: defaultSessionPolicy }), hosts: new Set(['127.0.0.1']), publicOrigin: null, failures: new FailureLimiter(defaultFailureLimit), warn: () => {}, now: Date.now });
  assert.throws(() => app.get('/api/forgotten', async () => ({})), /declares no permission/);
  await app.close();
});
