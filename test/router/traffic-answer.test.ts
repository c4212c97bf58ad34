// The compact traffic answer alerts read every tick: only rows changed since the reader's
// cursor, everything again for a cursor of another router process, and a reader that notices
// rows the router dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReleaseStatsRegistry } from '../../src/router/edge/release-stats.ts';
import { rowMetrics, trafficFromMetrics } from '../../src/router/traffic-answer.ts';
import { TrafficTable } from '../../src/engine/alerts/traffic-table.ts';

void test('a cursor gets only the rows changed since; another epoch gets all of them', () => {
  const reg = new ReleaseStatsRegistry();
  reg.beginTable();
  reg.get('a.localhost', 'r1').record(200, 3);
  reg.get('b.localhost', 'r1').record(503, 700);
  reg.endTable();
  const first = reg.trafficSince();
  assert.equal(first.full, true);
  assert.equal(first.rows.length, 2);
  assert.equal(first.size, 2);
  const b = rowMetrics(first.rows.find((r) => r[0] === 'b.localhost')!, first.bounds);
  assert.deepEqual({ requests: b.requests, errors5xx: b.errors5xx }, { requests: 1, errors5xx: 1 });
  assert.equal(b.latency.counts.length, b.latency.bounds.length + 1);
  assert.deepEqual(b.latency, { ...reg.snapshot().find((m) => m.host === 'b.localhost')!.latency, sum: 0 }, 'the same cumulative histogram as the full answer');

  assert.deepEqual(reg.trafficSince(first).rows, [], 'nothing changed');
  reg.get('a.localhost', 'r1').record(200, 4);
  reg.get('a.localhost', 'r1').connectFailed();
  const second = reg.trafficSince(first);
  assert.equal(second.full, false);
  assert.deepEqual(second.rows.map((r) => [r[0], r[3], r[5]]), [['a.localhost', 2, 1]]);
  const other = reg.trafficSince({ epoch: 'another router', cursor: second.cursor });
  assert.equal(other.full, true);
  assert.equal(other.rows.length, 2);
});

void test('the table merges changed rows, and starts over when the router dropped some', async () => {
  const reg = new ReleaseStatsRegistry(0);
  const router = { traffic: async (since?: Parameters<ReleaseStatsRegistry['trafficSince']>[0]) => structuredClone(reg.trafficSince(since)) };
  const table = new TrafficTable();
  reg.beginTable();
  reg.get('a.localhost', 'r1').record(200, 1);
  reg.get('a.localhost', 'r2').record(200, 1);
  reg.endTable();
  assert.equal((await table.read(router)).full, true);
  const r1 = table.rows.get('a.localhost r1');
  reg.get('a.localhost', 'r2').record(200, 1);
  const merged = await table.read(router);
  assert.equal(merged.full, false);
  assert.deepEqual(merged.changed.map((m) => `${m.release} ${m.requests}`), ['r2 2']);
  assert.equal(table.rows.get('a.localhost r1'), r1, 'an unchanged row is the same object');
  // A table without r1 retires it at once (keepRetired 0): the router holds one row, the table two.
  reg.beginTable();
  reg.get('a.localhost', 'r2');
  reg.endTable();
  assert.equal((await table.read(router)).full, false, 'the dropped row is noticed from the size…');
  assert.equal((await table.read(router)).full, true, '…and the next read is a full one');
  assert.deepEqual([...table.rows.keys()], ['a.localhost r2']);
});

void test('a router without a change counter answers in full from its metrics', () => {
  const answer = trafficFromMetrics([
    { host: 'a', release: 'r1', requests: 3, errors5xx: 1, connectFailures: 0, latency: { bounds: [10], counts: [2, 3], sum: 9 } },
    { host: 'b', release: 'r1', requests: 1, errors5xx: 0, connectFailures: 0, latency: { bounds: [10], counts: [1, 1], sum: 1 } },
  ]);
  assert.equal(answer.full, true);
  assert.deepEqual(answer.bounds, [[10]]);
  assert.deepEqual(answer.rows, [['a', 'r1', 0, 3, 1, 0, 2, 3], ['b', 'r1', 0, 1, 0, 0, 1, 1]]);
});
