// An environment's sliding window: figures over exactly one window, nothing before a full
// window, a router restart (counters going down) and differing buckets handled like the
// analysis does, restarts counted per instance over the span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvironmentWindow } from '../../src/engine/alerts/environment-window.ts';
import type { ReleaseMetrics } from '../../src/router/route-table.ts';
import type { AlertSpec } from '../../src/spec/alert-spec.ts';

const errors: AlertSpec = { name: 'errors', metric: 'errorRate', comparison: 'above', threshold: 0.02, forMs: 10_000, action: 'notify' };
const p50: AlertSpec = { name: 'p50', metric: 'p50', comparison: 'above', threshold: 100, forMs: 10_000, action: 'notify' };
const crashes: AlertSpec = { name: 'crashes', metric: 'restarts', comparison: 'above', threshold: 3, forMs: 60_000, action: 'notify' };

function m(host: string, requests: number, errors5xx: number, bounds = [10, 100]): ReleaseMetrics {
  return { release: 'r1', host, requests, errors5xx, connectFailures: 0, latency: { bounds, counts: [...bounds.map(() => requests), requests], sum: 0 } };
}
const snap = (...ms: ReleaseMetrics[]): Map<string, ReleaseMetrics> => new Map(ms.map((x) => [`${x.host} ${x.release}`, x]));

void test('figures cover one window, summed over hosts; nothing before a full window', () => {
  const w = new EnvironmentWindow();
  w.addTraffic(0, snap(m('a', 0, 0), m('b', 0, 0)), 10_000);
  assert.equal(w.figure(errors), null);
  w.addTraffic(5_000, snap(m('a', 500, 0), m('b', 500, 0)), 10_000);
  assert.equal(w.figure(errors), null);
  w.addTraffic(10_000, snap(m('a', 1000, 50), m('b', 1000, 50)), 10_000);
  assert.deepEqual(w.figure(errors), { value: 0.05, samples: 2000, enough: true });
  w.addTraffic(15_000, snap(m('a', 1500, 50), m('b', 1500, 50)), 10_000);
  // The window is now 5 s → 15 s: 2000 requests, 100 errors.
  assert.deepEqual(w.figure(errors), { value: 0.05, samples: 2000, enough: true });
  w.addTraffic(20_000, snap(m('a', 2000, 50), m('b', 2000, 50)), 10_000);
  assert.deepEqual(w.figure(errors), { value: 0, samples: 2000, enough: true });
  assert.ok((w.figure(p50)?.value ?? 0) <= 10);
});

void test('a router restart and a new host with other buckets are counted like the analysis counts them', () => {
  const w = new EnvironmentWindow();
  w.addTraffic(0, snap(m('a', 5000, 0)), 1_000);
  // Counters went down: the router restarted; `after` alone is the window. A new host brings other buckets.
  w.addTraffic(1_000, snap(m('a', 100, 10), m('c', 100, 0, [10, 50, 100])), 1_000);
  assert.deepEqual(w.figure(errors), { value: 0.05, samples: 200, enough: true });
});

void test('restarts: per instance over the span, instances that leave or arrive counted right, none before the first look', () => {
  const w = new EnvironmentWindow();
  assert.equal(w.figure(crashes), null);
  w.addRestarts(0, [{ id: 'i1', restarts: 7 }], 60_000);
  assert.deepEqual(w.figure(crashes), { value: 0, samples: 1, enough: true });
  w.addRestarts(10_000, [{ id: 'i1', restarts: 9 }, { id: 'i2', restarts: 1 }], 60_000);
  assert.deepEqual(w.figure(crashes), { value: 3, samples: 2, enough: true });
  w.addRestarts(20_000, [{ id: 'i2', restarts: 2 }], 60_000);
  assert.deepEqual(w.figure(crashes), { value: 4, samples: 1, enough: true });
  // A minute on, the restarts of the first 20 s are out of the span.
  w.addRestarts(90_000, [{ id: 'i2', restarts: 2 }], 60_000);
  assert.deepEqual(w.figure(crashes), { value: 0, samples: 1, enough: true });
  w.addRestarts(100_000, [], 60_000);
  assert.deepEqual(w.figure(crashes), { value: 0, samples: 0, enough: false });
});
