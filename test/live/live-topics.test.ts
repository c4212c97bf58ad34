// The dashboard's topics (web/src/live-topic.ts): which changes each page's hook is told about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, type LiveChange } from '../../web/src/live-topic.ts';

const at = '2026-12-06T00:00:00.000Z';
const run: LiveChange = { seq: 1, at, project: 'app', kind: 'run', run: { id: 'r1', number: 3, state: 'running' } };
const env: LiveChange = { seq: 2, at, project: 'app', kind: 'environment', environment: 'production' };
const flag: LiveChange = { seq: 3, at, project: 'app', kind: 'flag', environment: 'production' };
const event: LiveChange = { seq: 4, at, project: 'app', kind: 'event', environment: 'production', event: { kind: 'release.live', summary: 's', seq: 9 } };
const traffic: LiveChange = { seq: 5, at, project: 'app', kind: 'traffic', samples: [] };
const other: LiveChange = { seq: 6, at, project: 'other', kind: 'environment', environment: 'production' };
const all = [run, env, flag, event, traffic, other];

const of = (topic: Parameters<typeof matches>[0]): number[] => all.filter((c) => matches(topic, c)).map((c) => c.seq);

void test('each topic takes the changes it names', () => {
  assert.deepEqual(of('*'), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(of('project:app'), [1, 2, 3, 4, 5]);
  assert.deepEqual(of('run:r1'), [1]);
  assert.deepEqual(of('run:r2'), []);
  assert.deepEqual(of('environment:app/production'), [2, 4], 'the environment and its events');
  assert.deepEqual(of('environment:app/staging'), []);
  assert.deepEqual(of('flag:app/production'), [3]);
  assert.deepEqual(of('event:app'), [4]);
  assert.deepEqual(of('traffic:app'), [5]);
  assert.deepEqual(of('environment:other/production'), [6]);
  assert.deepEqual(of('nonsense:app'), []);
  assert.deepEqual(of((c) => c.kind === 'flag' || c.project === 'other'), [3, 6]);
});
