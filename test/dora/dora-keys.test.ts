// The DORA keys of a scripted history whose answers were worked out by hand (the arithmetic is
// in the comments). Definitions: docs/dora.md.
import assert from 'node:assert/strict';
import test from 'node:test';
import { doraKeys, percentile } from '../../src/dora/dora-keys.ts';
import type { EventKind, PlatformEvent } from '../../src/events/platform-event.ts';

let seq = 0;
function ev(kind: EventKind, at: string, release: number | null, facts: Record<string, unknown> = {}, commit?: { sha: string; committedAt: string | null }, environment = 'production'): PlatformEvent {
  seq++;
  return {
    seq, id: `evt_${seq}`, kind, at, project: 'shop', environment, release, run: null,
    commit: commit ? { sha: commit.sha, message: '', author: '', committedAt: commit.committedAt } : null,
    cause: 'commit', summary: '', facts,
  };
}

const c0 = { sha: 'c0', committedAt: '2025-12-20T00:00:00Z' };
const c1 = { sha: 'c1', committedAt: '2025-12-31T22:00:00Z' };
const c2 = { sha: 'c2', committedAt: '2026-01-02T09:00:00Z' };
const c3 = { sha: 'c3', committedAt: '2026-01-03T10:00:00Z' };
const c4 = { sha: 'c4', committedAt: '2026-01-05T12:00:00Z' };
const c5 = { sha: 'c5', committedAt: '2026-01-08T00:10:00Z' }; // after it went live: a skewed clock
const c6 = { sha: 'c6', committedAt: '2026-01-09T00:00:00Z' };
const c7 = { sha: 'c7', committedAt: null }; // the mirror could not say

const history: PlatformEvent[] = [
  // r1 went live before the window: not a deploy of the window, but c0 has been seen.
  ev('release.live', '2025-12-25T00:00:00Z', 1, { bakeSeconds: 0 }, c0),
  // r2: deploy; lead time 01:00 − (the day before) 22:00 = 3 h = 10800 s.
  ev('release.live', '2026-01-01T01:00:00Z', 2, { bakeSeconds: 60 }, c1),
  // r3: deploy; lead time 10:00 − 09:00 = 3600 s. A person rolls it back at 10:30 (its failure),
  // r4 (r2 put back) goes live at 10:32: restored in 120 s. r4 is not a deploy, c1 is not counted again.
  ev('release.live', '2026-01-02T10:00:00Z', 3, { bakeSeconds: 60 }, c2),
  ev('rollback', '2026-01-02T10:30:00Z', 4, { from: 3, to: 2, release: 4, automatic: false, by: 'ada' }, c1),
  ev('release.live', '2026-01-02T10:32:00Z', 4, { rollbackOf: 3 }, c1),
  // r5: a canary stopped by its analysis before it went live: one failed attempt (total and failed +1).
  ev('rollout.aborted', '2026-01-03T11:00:00Z', 5, { failure: true, reason: 'analysis failed at step 1' }, c3),
  // r6: deploy of c3 (the aborted r5 never went live, so this is c3's first time): lead 12:00 − 10:00 = 7200 s.
  // A rollback alert fires on it at 14:00 (its failure), the rollback follows at 14:00:05 and r7 is
  // live at 14:01:00: restored 14:01:00 − 14:00:00 = 60 s.
  ev('release.live', '2026-01-03T12:00:00Z', 6, { bakeSeconds: 300 }, c3),
  ev('alert.firing', '2026-01-03T14:00:00Z', 6, { alert: 'errors', action: 'rollback' }),
  ev('rollback', '2026-01-03T14:00:05Z', 7, { from: 6, to: 4, release: 7, automatic: true }, c1),
  ev('release.live', '2026-01-03T14:01:00Z', 7, { rollbackOf: 6 }, c1),
  // A rollback of that rollback (r6's code back as r8): neither a deploy nor a failure nor a restore.
  ev('rollback', '2026-01-03T15:00:00Z', 8, { from: 7, to: 6, release: 8, automatic: false, by: 'ada' }, c3),
  ev('release.live', '2026-01-03T15:01:00Z', 8, { rollbackOf: 7 }, c3),
  // Staging has its own history: not counted for production.
  ev('release.live', '2026-01-04T00:00:00Z', 1, {}, c4, 'staging'),
  // r9: deploy; lead 13:00 − 12:00 = 3600 s. A `notify` alert is no failure; a rollback alert
  // 24 h and 1 s after it went live (bake 0) is too late to blame on it.
  ev('release.live', '2026-01-05T13:00:00Z', 9, { bakeSeconds: 0 }, c4),
  ev('alert.firing', '2026-01-05T14:00:00Z', 9, { alert: 'slow', action: 'notify' }),
  ev('alert.firing', '2026-01-06T13:00:01Z', 9, { alert: 'errors', action: 'rollback' }),
  // r10: a redeploy of c4 (new secrets): a deploy, but c4's lead time was measured at r9.
  ev('release.live', '2026-01-07T20:00:00Z', 10, { redeploy: true }, c4),
  // r11: deploy; its commit time is after it went live (skewed clocks): no lead time.
  ev('release.live', '2026-01-08T00:00:00Z', 11, {}, c5),
  // r12: aborted because a newer run superseded it: not an attempt that failed, not counted at all.
  ev('rollout.aborted', '2026-01-09T00:00:00Z', 12, { failure: false, reason: 'superseded by run #14' }, c6),
  // r13: deploy; lead 01:00 − 00:00 = 3600 s. Rolled back at 2026-01-10T00:00 (its failure); the
  // rollback's own release 14 never went live (failed), so r15 restores it.
  ev('release.live', '2026-01-09T01:00:00Z', 13, {}, c6),
  ev('rollback', '2026-01-10T00:00:00Z', 14, { from: 13, to: 11, release: 14, automatic: false }, c5),
  // r15: live after the window's end (2026-01-11T00:00Z): not a deploy of the window, but it ends
  // r13's incident (a deploy of the window): 2026-01-11T00:00:01 − 2026-01-10T00:00:00 = 86401 s.
  ev('release.live', '2026-01-11T00:00:01Z', 15, {}, c7),
];

void test('the keys of a scripted history, worked out by hand', () => {
  const keys = doraKeys(history, { environment: 'production', since: '2026-01-01T00:00:00Z', until: '2026-01-11T00:00:00Z' });
  // Deploys in the window: r2, r3, r6, r9, r10, r11, r13 = 7, over 10 days = 0.7 a day.
  assert.deepEqual(keys.deploymentFrequency, { perDay: 0.7, deploys: 7 });
  // Lead times (s): r2 10800, r3 3600, r6 7200, r9 3600, r13 3600 → sorted 3600 3600 3600 7200 10800.
  // Nearest rank: p50 = the ceil(0.5·5) = 3rd = 3600; p90 = the ceil(0.9·5) = 5th = 10800.
  assert.deepEqual(keys.leadTimeForChanges, { p50Seconds: 3600, p90Seconds: 10800 });
  // Failed: r3 (rolled back), r6 (rollback alert), r13 (rolled back), r5 (stopped before live) = 4;
  // total = 7 deploys + 1 stopped attempt = 8; 4 / 8 = 0.5.
  assert.deepEqual(keys.changeFailureRate, { ratio: 0.5, failed: 4, total: 8 });
  // Restored: r3 in 120 s, r6 in 60 s, r13 in 86401 s → sorted 60 120 86401, p50 = the ceil(1.5) = 2nd = 120.
  assert.deepEqual(keys.timeToRestore, { p50Seconds: 120, incidents: 3 });
});

void test('a window over part of the history counts only the deploys in it', () => {
  // 2026-01-03T00:00 → 2026-01-04T00:00 (1 day): deploy r6 only (r7, r8 are put back); r5 stopped.
  const keys = doraKeys(history, { environment: 'production', since: '2026-01-03T00:00:00Z', until: '2026-01-04T00:00:00Z' });
  assert.deepEqual(keys.deploymentFrequency, { perDay: 1, deploys: 1 });
  assert.deepEqual(keys.leadTimeForChanges, { p50Seconds: 7200, p90Seconds: 7200 });
  // r6 failed, r5 failed: 2 of 2.
  assert.deepEqual(keys.changeFailureRate, { ratio: 1, failed: 2, total: 2 });
  assert.deepEqual(keys.timeToRestore, { p50Seconds: 60, incidents: 1 });
});

void test('an environment with no deploys has nulls, never zeros or NaN, for what needs one', () => {
  const keys = doraKeys(history, { environment: 'production', since: '2026-02-01T00:00:00Z', until: '2026-03-01T00:00:00Z' });
  assert.deepEqual(keys, {
    deploymentFrequency: { perDay: null, deploys: 0 },
    leadTimeForChanges: { p50Seconds: null, p90Seconds: null },
    changeFailureRate: { ratio: null, failed: 0, total: 0 },
    timeToRestore: { p50Seconds: null, incidents: 0 },
  });
  assert.deepEqual(doraKeys([], { environment: 'production', since: '2026-01-01T00:00:00Z', until: '2026-01-11T00:00:00Z' }).changeFailureRate, { ratio: null, failed: 0, total: 0 });
});

void test('an alert within a bake longer than 24 h is blamed on the deploy; one on another release is not', () => {
  const events = [
    ev('release.live', '2026-01-01T00:00:00Z', 1, { bakeSeconds: 172800 }, c1), // a 48 h bake
    ev('alert.firing', '2026-01-02T12:00:00Z', 1, { action: 'rollback' }), // 36 h later, inside the bake
    ev('release.live', '2026-01-03T12:00:00Z', 2, {}, c2),
    ev('alert.firing', '2026-01-03T13:00:00Z', null, { action: 'rollback' }), // no release named: r2 was live
    ev('release.live', '2026-01-03T13:30:00Z', 3, {}, c3),
    ev('alert.firing', '2026-01-03T14:00:00Z', 2, { action: 'rollback' }), // names r2, which no longer serves
  ];
  const keys = doraKeys(events, { environment: 'production', since: '2026-01-01T00:00:00Z', until: '2026-01-04T00:00:00Z' });
  // r1 failed at 01-02 12:00, restored by r2 at 01-03 12:00 = 86400 s; r2 failed at 13:00, restored by r3 at 13:30 = 1800 s.
  // The last alert names r2, which no longer serves: it is blamed on neither r2 (again) nor r3.
  assert.deepEqual(keys.changeFailureRate, { ratio: 2 / 3, failed: 2, total: 3 });
  assert.deepEqual(keys.timeToRestore, { p50Seconds: 1800, incidents: 2 });
});

void test('a failure that nothing restored yet is an open incident: failed, but no time to restore', () => {
  const events = [
    ev('release.live', '2026-01-01T00:00:00Z', 1, {}, c1),
    ev('rollout.aborted', '2026-01-01T00:05:00Z', 1, { failure: true, reason: 'bake: error rate 9 % > 5 %' }, c1),
  ];
  const keys = doraKeys(events, { environment: 'production', since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z' });
  assert.deepEqual(keys.changeFailureRate, { ratio: 1, failed: 1, total: 1 });
  assert.deepEqual(keys.timeToRestore, { p50Seconds: null, incidents: 0 });
});

void test('percentiles are nearest-rank', () => {
  assert.equal(percentile([], 0.5), null);
  assert.equal(percentile([5], 0.9), 5);
  assert.equal(percentile([1, 2], 0.5), 1);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
});
