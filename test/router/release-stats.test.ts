// The router's cumulative counters: status classes per response, and a registry that keeps
// the stats of removed routes only up to a bound (routes change with every deploy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReleaseStats, ReleaseStatsRegistry } from '../../src/router/edge/release-stats.ts';

void test('responses are counted by status class', () => {
  const s = new ReleaseStats('a.localhost', 'r1');
  for (const status of [200, 204, 301, 404, 503, 502, 101]) s.record(status, 3);
  const m = s.snapshot();
  assert.deepEqual(m.statusClasses, { '1xx': 1, '2xx': 2, '3xx': 1, '4xx': 1, '5xx': 2 });
  assert.equal(m.errors5xx, 2);
  assert.equal(m.requests, 7);
});

void test('stats of routes no table uses are kept up to the bound, oldest dropped first; used ones never', () => {
  const reg = new ReleaseStatsRegistry(2);
  reg.beginTable();
  reg.get('live.localhost', 'r1').record(200, 1);
  reg.endTable();
  for (let n = 1; n <= 5; n++) {
    reg.beginTable();
    reg.get('live.localhost', 'r1');
    reg.get(`pr-${n}.localhost`, 'r1').record(200, 1);
    reg.endTable();
  }
  // Table now: live + pr-5; retired: pr-3, pr-4 (pr-1 and pr-2 dropped).
  const hosts = reg.snapshot().map((m) => m.host).sort();
  assert.deepEqual(hosts, ['live.localhost', 'pr-3.localhost', 'pr-4.localhost', 'pr-5.localhost']);
  assert.equal(reg.snapshot().find((m) => m.host === 'live.localhost')?.requests, 1, 'counters survive table swaps');
  // A retired route that comes back keeps its counters.
  reg.beginTable();
  reg.get('pr-3.localhost', 'r1');
  reg.endTable();
  assert.equal(reg.snapshot().find((m) => m.host === 'pr-3.localhost')?.requests, 1);
});
