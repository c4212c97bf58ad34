// GET /api/openapi.json from a real server: a valid OpenAPI 3.1 document (checked by a validator
// of the specification, its $refs resolved, each component a schema Ajv compiles) that describes
// every route the server registers, each /api/ route with its answer's schema; a viewer token is
// needed. Then the answers of key routes (projects, runs, rollout, releases, status, flags,
// tokens, …) of a deployed project parse with their declared zod schemas, and no field is sent
// that a closed schema leaves out (parsing would strip it: the parsed value must equal the answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { z } from 'zod';
import { TestServer, authHeaders } from './harness.ts';
import { appFiles, deployedProject } from './fixtures.ts';
import { apiRouteTable } from '../auth/api-route-table.ts';
import { projectListSchema, projectSchema, projectStatusSchema, principalSchema } from '../../src/api/schemas/project-schemas.ts';
import { runListSchema, runSchema } from '../../src/api/schemas/run-schemas.ts';
import { releaseListSchema, rolloutSchema } from '../../src/api/schemas/deploy-schemas.ts';
import { flagDetailSchema, flagHistorySchema, flagListSchema } from '../../src/api/schemas/flag-schemas.ts';
import { auditListSchema, secretOverviewSchema, tokenListSchema, tokenSchema } from '../../src/api/schemas/admin-schemas.ts';
import { alertListSchema, deliveryListSchema, doraSchema, domainListSchema, logAnswerSchema } from '../../src/api/schemas/observe-schemas.ts';
import { apiErrorSchema } from '../../src/api/schemas/common-schemas.ts';

type Json = Record<string, unknown>;

function refsIn(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.add(v);
      else refsIn(v, out);
    }
  }
  return out;
}

void test('GET /api/openapi.json: a valid OpenAPI 3.1 document of every route, for a token only', async (t) => {
  const server = await TestServer.start();
  t.after(() => server.close());
  const anonymous = await fetch(`${server.url}/api/openapi.json`);
  assert.equal(anonymous.status, 401);
  const res = await fetch(`${server.url}/api/openapi.json`, { headers: authHeaders(server.url) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };

  const validator = new Validator();
  const verdict = await validator.validate(doc);
  assert.equal(verdict.valid, true, JSON.stringify(verdict.errors, null, 1));
  assert.equal(validator.version, '3.1');
  assert.match(doc.openapi, /^3\.1\./);

  // Every reference names a component, and every component is a schema Ajv (draft 2020-12) compiles.
  for (const ref of refsIn(doc, new Set())) {
    const id = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    assert.ok(id !== undefined && doc.components.schemas[id] !== undefined, `dangling $ref ${ref}`);
  }
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema({ components: doc.components }, 'doc');
  for (const id of Object.keys(doc.components.schemas)) assert.ok(ajv.getSchema(`doc#/components/schemas/${id}`), `component ${id} does not compile`);
  for (const named of ['Run', 'Project', 'Rollout', 'Release', 'Flag', 'FlagList', 'Token', 'ApiError', 'LogEntry']) assert.ok(doc.components.schemas[named], `component ${named}`);

  // Every route the server registers (its route table, walked by an onRoute hook) is described.
  const table = await apiRouteTable();
  const gets = new Set(table.filter((r) => r.method === 'GET').map((r) => r.url));
  let described = 0;
  for (const route of table) {
    if (route.method === 'HEAD' && gets.has(route.url)) continue; // Fastify's automatic HEAD beside each GET
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const op = doc.paths[path]?.[route.method.toLowerCase()] as { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>; security?: unknown[]; parameters?: Array<{ name: string; in: string }> } | undefined;
    assert.ok(op, `${route.method} ${route.url} is not in the document`);
    // A redirect is the success answer of the sign-in routes (no body).
    const success = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2') || code.startsWith('3'));
    assert.ok(success.length > 0 && success.every(([, r]) => Object.values(r.content ?? {}).every((c) => c.schema !== undefined)), `${route.method} ${route.url}: no success answer schema`);
    if (route.url.startsWith('/api/')) assert.ok(op.responses?.['4XX'], `${route.method} ${route.url}: no error answer`);
    for (const name of [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1])) assert.ok(op.parameters?.some((p) => p.in === 'path' && p.name === name), `${route.url}: path parameter ${name}`);
    assert.deepEqual(op.security, 'public' in route.permission ? [] : [{ bearerToken: [] }], `${route.method} ${route.url}: security`);
    described++;
  }
  const operations = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
  assert.equal(operations, described, 'the document describes routes the server does not have');
});

const flags = `flags:
  new-checkout:
    state: ENABLED
    client: true
    variants: { on: true, off: false }
    defaultVariant: off
`;

void test('answers of key routes match their declared schemas, with no undeclared field', async (t) => {
  const files = appFiles('v1');
  const { server } = await deployedProject(t, 'shapes', { ...files, 'sluice.yaml': `${files['sluice.yaml']}flags: flags.yaml\n`, 'flags.yaml': flags });
  const headers = { ...authHeaders(server.url), 'content-type': 'application/json' };
  const call = async (method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${server.url}${p}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, json: await res.json() };
  };
  const check = async (schema: z.ZodType, method: string, p: string, body?: unknown, status = 200): Promise<unknown> => {
    const answer = await call(method, p, body);
    assert.equal(answer.status, status, `${method} ${p}: ${JSON.stringify(answer.json)}`);
    const parsed = schema.safeParse(answer.json);
    assert.ok(parsed.success, `${method} ${p}: ${parsed.error?.message ?? ''}\n${JSON.stringify(answer.json)}`);
    assert.deepEqual(parsed.data, answer.json, `${method} ${p}: the answer has fields its schema does not declare`);
    return answer.json;
  };
  await check(principalSchema, 'GET', '/api/whoami');
  await check(projectListSchema, 'GET', '/api/projects');
  await check(projectSchema, 'GET', '/api/projects/shapes');
  const runs = (await check(runListSchema, 'GET', '/api/projects/shapes/runs')) as Array<{ id: string }>;
  await check(runSchema, 'GET', `/api/runs/${runs[0]!.id}`);
  await check(projectStatusSchema, 'GET', '/api/projects/shapes/status');
  await check(releaseListSchema, 'GET', '/api/projects/shapes/environments/production/releases');
  await check(rolloutSchema, 'GET', '/api/projects/shapes/environments/production/rollout');
  await check(flagListSchema, 'GET', '/api/projects/shapes/environments/production/flags');
  await check(flagDetailSchema, 'GET', '/api/projects/shapes/environments/production/flags/new-checkout');
  await check(flagDetailSchema, 'PUT', '/api/projects/shapes/environments/production/flags/new-checkout', { kind: 'percent', percent: 25 });
  await check(flagHistorySchema, 'GET', '/api/projects/shapes/environments/production/flags/new-checkout/history');
  await check(tokenSchema, 'POST', '/api/tokens', { name: 'reader', role: 'viewer', expires: '1d' }, 201);
  await check(tokenListSchema, 'GET', '/api/tokens');
  await check(tokenSchema, 'POST', '/api/tokens/reader/revoke');
  await check(secretOverviewSchema, 'GET', '/api/secrets');
  await check(auditListSchema, 'GET', '/api/audit?limit=20');
  await check(alertListSchema, 'GET', '/api/projects/shapes/alerts');
  await check(domainListSchema, 'GET', '/api/projects/shapes/domains');
  await check(deliveryListSchema, 'GET', '/api/projects/shapes/notifications');
  await check(doraSchema, 'GET', '/api/projects/shapes/dora');
  await check(logAnswerSchema, 'GET', `/api/runs/${runs[0]!.id}/logs?limit=5`);
  // Refusals keep the handlers' messages, through the one error mapping.
  const refused = await check(apiErrorSchema, 'POST', '/api/projects', { repo: '/tmp/x' }, 400);
  assert.deepEqual(refused, { code: 'invalid_input', message: 'name is required' });
  const badFlag = await check(apiErrorSchema, 'PUT', '/api/projects/shapes/environments/production/flags/new-checkout', { kind: 'sideways' }, 400);
  assert.match((badFlag as { message: string }).message, /^expected \{kind: on\|off\|enable\|disable\}/);
  const badToken = await check(apiErrorSchema, 'POST', '/api/tokens', { name: 'x', role: 'root' }, 400);
  assert.equal((badToken as { message: string }).message, 'role must be one of viewer, deployer, admin');
  const notObject = await check(apiErrorSchema, 'POST', '/api/tokens', [1], 400);
  assert.equal((notObject as { message: string }).message, 'the body must be a JSON object');
});
