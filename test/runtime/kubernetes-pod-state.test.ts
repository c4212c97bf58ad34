// Pod status → instance state and reason, case by case (the contract covers the common paths
// end to end; these are the ones a cluster reaches more easily than a test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podInstanceState, type PodView } from '../../src/runtime/kubernetes/pod-instance-state.ts';
import { parseTimestamped } from '../../src/runtime/kubernetes/pod-log-copier.ts';

const facts = { everReady: false, health: { path: '/healthz', deadlineMs: 30_000 }, now: Date.parse('2026-01-01T00:00:10Z') };
const pod = (status: PodView['status'], meta: Partial<PodView['metadata']> = {}): PodView => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-r1-abcde', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z', ...meta },
  spec: { nodeName: 'node-1' },
  status,
});

void test('exits: terminated is crashed, the first CrashLoopBackOff is backoff, the second exit before ready is failed with the log line', () => {
  assert.deepEqual(podInstanceState(pod({ containerStatuses: [{ restartCount: 0, state: { terminated: { exitCode: 1 } } }] }), facts), { state: 'crashed', reason: 'start command exited with code 1', restarts: 0 });
  const loop = (restartCount: number): PodView =>
    pod({ containerStatuses: [{ restartCount, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, lastState: { terminated: { exitCode: 2, message: 'starting\nError: no DATABASE_URL\n    at main (app.js:3)' } } }] });
  assert.deepEqual(podInstanceState(loop(1), facts), { state: 'backoff', reason: 'start command exited with code 2; restarting (back-off 10s)', restarts: 1 });
  assert.deepEqual(podInstanceState(loop(2), facts), { state: 'failed', reason: 'start command exited with code 2 before becoming ready: Error: no DATABASE_URL', restarts: 2 });
  assert.equal(podInstanceState(loop(7), { ...facts, everReady: true }).state, 'backoff', 'a crash after it served restarts, as on the process runtime');
});

void test('readiness: ready, unhealthy after ready (node lost or probe), failed past the deadline, stopping when deleted', () => {
  const running = { containerStatuses: [{ restartCount: 0, state: { running: {} } }] };
  assert.equal(podInstanceState(pod({ ...running, conditions: [{ type: 'Ready', status: 'True' }] }), facts).state, 'ready');
  assert.deepEqual(podInstanceState(pod({ ...running, reason: 'NodeLost', message: 'Node node-1 is unresponsive', conditions: [{ type: 'Ready', status: 'False' }] }), { ...facts, everReady: true }), {
    state: 'unhealthy',
    reason: 'node node-1 is lost: Node node-1 is unresponsive',
    restarts: 0,
  });
  assert.equal(podInstanceState(pod(running), { ...facts, everReady: true }).reason, 'health check /healthz fails');
  assert.equal(podInstanceState(pod(running), facts).state, 'starting');
  assert.deepEqual(podInstanceState(pod(running), { ...facts, now: facts.now + 30_000 }), { state: 'failed', reason: 'health check /healthz did not pass within 30000 ms', restarts: 0 });
  assert.equal(podInstanceState(pod(running, { deletionTimestamp: '2026-01-01T00:00:05Z' }), facts).state, 'stopping');
  assert.deepEqual(podInstanceState(null, facts), { state: 'starting', reason: null, restarts: 0 });
});

void test('image pulls fail at once with the kubelet\'s reason', () => {
  const s = podInstanceState(pod({ containerStatuses: [{ image: 'reg/app:r1', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "reg/app:r1"' } } }] }), facts);
  assert.deepEqual(s, { state: 'failed', reason: 'image reg/app:r1 cannot be pulled (ImagePullBackOff): Back-off pulling image "reg/app:r1"', restarts: 0 });
});

void test('log lines: RFC 3339 times of any precision compare in order; a line without one keeps its text', () => {
  const lines = parseTimestamped('2026-01-01T00:00:01Z a\n2026-01-01T00:00:01.5Z b\n2026-01-01T00:00:01.123456789Z c\nno time here\n');
  assert.deepEqual(lines.slice(0, 3).map((l) => [l.ts, l.line]), [
    ['2026-01-01T00:00:01.000000000Z', 'a'],
    ['2026-01-01T00:00:01.500000000Z', 'b'],
    ['2026-01-01T00:00:01.123456789Z', 'c'],
  ]);
  assert.ok(lines[0]!.ts < lines[2]!.ts && lines[2]!.ts < lines[1]!.ts);
  assert.equal(lines[3]!.line, 'no time here');
});
