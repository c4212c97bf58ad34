// GET /api/projects/:name/dora in-process (app.inject): the keys from the events it is given,
// and bad input answered 400 (or 404) with a message naming the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../src/errors.ts';
import { registerDoraRoute } from '../../src/api/dora-route.ts';
import type { Principal } from '../../src/auth/principal.ts';
import type { EventFilter, PlatformEvent } from '../../src/events/platform-event.ts';
import { routeTestApp } from './route-test-app.ts';

const now = new Date('2030-01-31T00:00:00.000Z');

function live(at: string, release: number, committedAt: string): PlatformEvent {
  return {
    seq: release, id: `evt_${release}`, kind: 'release.live', at, project: 'shop', environment: 'production', release, run: { id: `run-${release}`, number: release },
    commit: { sha: `sha${release}`, message: '', author: '', committedAt }, cause: 'commit', summary: '', facts: {},
  };
}

async function app(principal: Principal = { name: 'viewer', role: 'viewer', projects: null, environments: null }): Promise<{ app: FastifyInstance; filters: EventFilter[] }> {
  const filters: EventFilter[] = [];
  const events = [live('2030-01-10T00:00:00.000Z', 1, '2030-01-09T23:00:00.000Z'), live('2030-01-20T00:00:00.000Z', 2, '2030-01-19T22:00:00.000Z')];
  const a = await routeTestApp(principal, (fastify) =>
    registerDoraRoute(fastify, {
      assertProject: async (name) => {
        if (name !== 'shop') throw new NotFoundError('project', name);
      },
      listEvents: async (filter) => {
        filters.push(filter);
        return events.filter((e) => filter.since === undefined || e.at >= filter.since);
      },
      environments: async () => ['staging', 'production'],
      now: () => now,
    }),
  );
  return { app: a, filters };
}

void test('the keys of production over 30 days by default', async (t) => {
  const { app: a, filters } = await app();
  t.after(() => a.close());
  const res = await a.inject({ method: 'GET', url: '/api/projects/shop/dora' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<Record<string, unknown>>();
  // Two deploys in 30 days; lead times 1 h and 2 h → p50 (nearest rank, 1st of 2) 3600, p90 (2nd) 7200.
  assert.deepEqual(body.deploymentFrequency, { perDay: 2 / 30, deploys: 2 });
  assert.deepEqual(body.leadTimeForChanges, { p50Seconds: 3600, p90Seconds: 7200 });
  assert.deepEqual(body.changeFailureRate, { ratio: 0, failed: 0, total: 2 });
  assert.deepEqual(body.timeToRestore, { p50Seconds: null, incidents: 0 });
  assert.equal(body.since, '2030-01-01T00:00:00.000Z');
  // The window plus 30 days of lookback, this environment only.
  assert.equal(filters[0]?.since, '2029-12-02T00:00:00.000Z');
  assert.equal(filters[0]?.environment, 'production');
});

void test('--since narrows the window', async (t) => {
  const { app: a } = await app();
  t.after(() => a.close());
  const res = await a.inject({ method: 'GET', url: '/api/projects/shop/dora?env=production&since=15d' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json<{ deploymentFrequency: unknown }>().deploymentFrequency, { perDay: 1 / 15, deploys: 1 });
});

void test('an unknown environment is a 400 naming the ones the project has', async (t) => {
  const { app: a } = await app();
  t.after(() => a.close());
  const res = await a.inject({ method: 'GET', url: '/api/projects/shop/dora?env=prod' });
  assert.equal(res.statusCode, 400);
  assert.match(res.json<{ message: string }>().message, /project shop has no environment prod \(it has: staging, production\)/);
});

void test('a bad --since is a 400 naming it', async (t) => {
  const { app: a } = await app();
  t.after(() => a.close());
  for (const [since, message] of [
    ['30 days', /since: invalid duration "30 days"/],
    ['0d', /since must be longer than 0/],
    ['400d', /since must be at most 366d/],
  ] as const) {
    const res = await a.inject({ method: 'GET', url: `/api/projects/shop/dora?since=${encodeURIComponent(since)}` });
    assert.equal(res.statusCode, 400, since);
    assert.match(res.json<{ message: string }>().message, message);
  }
});

void test('an unknown project is a 404; an environment outside a limited token is a 404 too', async (t) => {
  const { app: a } = await app({ name: 'staging-only', role: 'viewer', projects: null, environments: ['staging'] });
  t.after(() => a.close());
  assert.equal((await a.inject({ method: 'GET', url: '/api/projects/nope/dora' })).statusCode, 404);
  assert.equal((await a.inject({ method: 'GET', url: '/api/projects/shop/dora?env=production' })).statusCode, 404);
  assert.equal((await a.inject({ method: 'GET', url: '/api/projects/shop/dora?env=staging' })).statusCode, 200);
});

void test('every=7d: the keys per period, oldest first, adding up to the window', async (t) => {
  const { app: a } = await app();
  t.after(() => a.close());
  const res = await a.inject({ method: 'GET', url: '/api/projects/shop/dora?since=28d&every=7d' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<{ deploymentFrequency: { deploys: number }; series: { since: string; until: string; deploymentFrequency: { deploys: number } }[] }>();
  assert.deepEqual(
    body.series.map((p) => [p.since, p.until, p.deploymentFrequency.deploys]),
    [
      ['2030-01-03T00:00:00.000Z', '2030-01-09T23:59:59.999Z', 0],
      ['2030-01-10T00:00:00.000Z', '2030-01-16T23:59:59.999Z', 1],
      ['2030-01-17T00:00:00.000Z', '2030-01-23T23:59:59.999Z', 1],
      ['2030-01-24T00:00:00.000Z', '2030-01-30T23:59:59.999Z', 0],
    ],
  );
  assert.equal(body.deploymentFrequency.deploys, 2);
  // Without `every`, no series.
  assert.equal('series' in (await a.inject({ method: 'GET', url: '/api/projects/shop/dora' })).json<object>(), false);
  for (const [every, message] of [
    ['10m', /every must be at least 1h/],
    ['60d', /every must be at most the window/],
    ['1h', /more than 400 periods/],
    ['weekly', /every: invalid duration "weekly"/],
  ] as const) {
    const bad = await a.inject({ method: 'GET', url: `/api/projects/shop/dora?since=28d&every=${every}` });
    assert.equal(bad.statusCode, 400, every);
    assert.match(bad.json<{ message: string }>().message, message);
  }
});
