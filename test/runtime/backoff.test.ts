// One backoff for restarts and retries: exponential, capped, jittered within [half, full].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/backoff.ts';
import { Backoff } from '../../src/runtime/process/backoff.ts';

void test('delays double up to the cap, each within [half, full] of its step', () => {
  const steps = [500, 1000, 2000, 3000, 3000];
  for (const [attempt, full] of steps.entries()) {
    assert.equal(backoffDelay(attempt, 500, 3000, () => 0), full / 2);
    assert.equal(backoffDelay(attempt, 500, 3000, () => 1), full);
    const d = backoffDelay(attempt, 500, 3000);
    assert.ok(d >= full / 2 && d <= full, `${d} within [${full / 2}, ${full}]`);
  }
});

void test('clients that fail together do not retry in lockstep', () => {
  // 50 restarts at the same attempt: with jitter, far from all at one delay (without, all 8000 ms).
  const delays = new Set(Array.from({ length: 50 }, () => new Backoff(1000, 30_000)).map((b) => (b.next(), b.next(), b.next(), b.next())));
  assert.ok(delays.size > 10, `${delays.size} distinct delays`);
  for (const d of delays) assert.ok(d >= 4000 && d <= 8000);
});
