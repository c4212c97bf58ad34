// One alert's state machine with scripted figures and times: ok → pending → firing → ok,
// inconclusive on too few samples (never firing), silence only after traffic, restarts at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAlertPosition, type AlertFigure, type AlertPosition } from '../../src/engine/alerts/alert-machine.ts';
import type { AlertSpec } from '../../src/spec/alert-spec.ts';

const errors: AlertSpec = { name: 'errors', metric: 'errorRate', comparison: 'above', threshold: 0.02, forMs: 30_000, action: 'rollback' };
const t0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (s: number): Date => new Date(t0 + s * 1000);
const fig = (value: number | null, samples = 1000, enough = samples >= 20): AlertFigure => ({ value, samples, enough });

/** Steps the machine through [second, figure] pairs; the states it passes through, one per step. */
function run(alert: AlertSpec, script: [number, AlertFigure][], start: AlertPosition = { state: 'inconclusive', since: at(0).toISOString() }): string[] {
  let p = start;
  return script.map(([s, f]) => {
    p = nextAlertPosition(p, alert, f, at(s));
    return `${p.state}@${(Date.parse(p.since) - t0) / 1000}`;
  });
}

void test('a breach goes pending, fires once it lasted `for`, and goes back to ok when it ends', () => {
  assert.deepEqual(
    run(errors, [
      [1, fig(0.001)],
      [2, fig(0.3)],
      [20, fig(0.3)],
      [31, fig(0.3)],
      [32, fig(0.3)],
      [40, fig(0.01)],
    ]),
    ['ok@1', 'pending@2', 'pending@2', 'pending@2', 'firing@32', 'ok@40'],
  );
});

void test('a breach that ends before `for` never fires; `for` counts from the start of the latest breach', () => {
  assert.deepEqual(
    run(errors, [
      [1, fig(0.3)],
      [20, fig(0.0)],
      [25, fig(0.3)],
      [50, fig(0.3)],
      [55, fig(0.3)],
    ]),
    ['pending@1', 'ok@20', 'pending@25', 'pending@25', 'firing@55'],
  );
});

void test('too few samples is inconclusive, never firing, whatever the figure; pending starts again after', () => {
  assert.deepEqual(
    run(errors, [
      [1, fig(0.3)],
      [10, fig(1, 3)],
      [40, fig(1, 5)],
      [41, fig(0.3)],
      [70, fig(0.3)],
      [71, fig(0.3)],
    ]),
    ['pending@1', 'inconclusive@10', 'inconclusive@10', 'pending@41', 'pending@41', 'firing@71'],
  );
  // No figure at all (no request in the window) is inconclusive too.
  assert.deepEqual(run(errors, [[1, fig(null, 0, false)]]), ['inconclusive@0']);
});

void test('silence (requests below) counts only after the environment served traffic', () => {
  const silent: AlertSpec = { name: 'silent', metric: 'requests', comparison: 'below', threshold: 10, forMs: 20_000, action: 'notify' };
  const req = (n: number): AlertFigure => fig(n, n, true);
  assert.deepEqual(
    run(silent, [
      [1, req(0)],
      [30, req(0)],
      [31, req(50)],
      [40, req(2)],
      [60, req(0)],
    ]),
    ['inconclusive@0', 'inconclusive@0', 'ok@31', 'pending@40', 'firing@60'],
  );
});

void test('restarts are counted over `for` itself: above the threshold fires at once', () => {
  const crashes: AlertSpec = { name: 'crashes', metric: 'restarts', comparison: 'above', threshold: 3, forMs: 600_000, action: 'notify' };
  assert.deepEqual(run(crashes, [[1, fig(0, 2, true)], [2, fig(4, 2, true)], [3, fig(4, 2, true)], [700, fig(1, 2, true)], [701, fig(0, 0, false)]]), ['ok@1', 'firing@2', 'firing@2', 'ok@700', 'inconclusive@701']);
});

void test('latency below a threshold and an unchanged state keep the same position object (nothing to store)', () => {
  const slow: AlertSpec = { name: 'slow', metric: 'p99', comparison: 'above', threshold: 800, forMs: 10_000, action: 'notify' };
  const ok: AlertPosition = { state: 'ok', since: at(0).toISOString() };
  assert.equal(nextAlertPosition(ok, slow, fig(120), at(5)), ok);
  assert.deepEqual(nextAlertPosition(ok, slow, fig(900), at(5)), { state: 'pending', since: at(5).toISOString() });
});
