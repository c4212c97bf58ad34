// The environment page's reading of a rollout record: the new release's weight at the moments
// the record knows it, and decisions grouped per metric in time order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RolloutDecisionJson, RolloutJson } from '../../src/api/schemas/deploy-schemas.ts';
import { canaryWeightsOverTime, decisionsByMetric } from '../../web/src/environment/rollout-history.ts';

const decision = (at: string, step: number | 'bake', metric = 'maxErrorRate', verdict: RolloutDecisionJson['verdict'] = 'pass'): RolloutDecisionJson => ({
  at,
  step,
  metric,
  verdict,
  samples: { canary: 40, baseline: 41 },
  statistic: 0.01,
  pValue: null,
  threshold: 0.05,
  reason: 'ok',
});

const canary = (over: Partial<RolloutJson>): RolloutJson => ({
  strategy: 'canary',
  state: 'progressing',
  phase: 'step',
  step: 1,
  steps: [
    { weight: 20, pauseMs: 4000 },
    { weight: 50, pauseMs: 4000 },
  ],
  stepStartedAt: '2026-01-01T00:00:10.000Z',
  release: 2,
  stable: 1,
  weights: { canary: 50, baseline: 50, stable: 0 },
  decisions: [decision('2026-01-01T00:00:04.000Z', 0), decision('2026-01-01T00:00:06.000Z', 0), decision('2026-01-01T00:00:12.000Z', 1)],
  bakeMs: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:12.000Z',
  finishedAt: null,
  ...over,
});

const at = (iso: string): number => Date.parse(iso);

void test('a canary under way: 0 at the start, each step from its first decision and its start, the current weight last', () => {
  assert.deepEqual(canaryWeightsOverTime(canary({})), [
    { at: at('2026-01-01T00:00:00.000Z'), canary: 0 },
    { at: at('2026-01-01T00:00:04.000Z'), canary: 20 },
    { at: at('2026-01-01T00:00:10.000Z'), canary: 50 },
    { at: at('2026-01-01T00:00:12.000Z'), canary: 50 },
  ]);
});

void test('an aborted canary ends at 0 when it finished; the bake counts as all traffic on the new release', () => {
  const aborted = canaryWeightsOverTime(canary({ state: 'aborted', finishedAt: '2026-01-01T00:00:20.000Z', weights: { canary: 0, baseline: 0, stable: 100 }, decisions: [decision('2026-01-01T00:00:04.000Z', 0), decision('2026-01-01T00:00:15.000Z', 'bake')] }));
  assert.deepEqual(aborted.map((p) => p.canary), [0, 20, 100, 0]);
  assert.equal(aborted.at(-1)?.at, at('2026-01-01T00:00:20.000Z'));
});

void test('a strategy without steps has its start and its current weights', () => {
  const blueGreen = canaryWeightsOverTime(canary({ strategy: 'blueGreen', steps: undefined, decisions: [], weights: { canary: 100, baseline: 0, stable: 0 } }));
  assert.deepEqual(blueGreen.map((p) => p.canary), [0, 100]);
});

void test('decisions by metric, oldest first', () => {
  const by = decisionsByMetric([decision('2026-01-01T00:00:09.000Z', 1, 'maxP99'), decision('2026-01-01T00:00:08.000Z', 1), decision('2026-01-01T00:00:02.000Z', 0)]);
  assert.deepEqual([...by.keys()], ['maxErrorRate', 'maxP99']);
  assert.deepEqual(by.get('maxErrorRate')?.map((d) => d.at), ['2026-01-01T00:00:02.000Z', '2026-01-01T00:00:08.000Z']);
});
