// Per-target pacing on a scripted clock: a burst goes out up to its allowance, the rest is put
// off to successive slots (none dropped), and no window ever holds more than the rate allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetPacing } from '../../src/notifications/target-pacing.ts';

/** Drives `n` deliveries to one target through the pacing as the worker does: attempt when allowed, else retry at the slot given. */
function drain(pacing: TargetPacing, target: string, format: 'slack' | 'webhook', n: number, start: number): number[] {
  const due = Array.from({ length: n }, () => start);
  const sent: number[] = [];
  while (due.length > 0) {
    due.sort((a, b) => a - b);
    const now = due.shift()!;
    const later = pacing.take(target, format, now);
    if (later === null) sent.push(now);
    else {
      assert.ok(later > now, 'put off to a later time');
      due.push(later);
    }
  }
  return sent;
}

void test('a burst of 100 slack events: 3 at once, then one a second; none dropped', () => {
  const pacing = new TargetPacing();
  const sent = drain(pacing, 'hook', 'slack', 100, 0);
  assert.equal(sent.length, 100);
  assert.deepEqual(sent.slice(0, 3), [0, 0, 0]);
  // In any window of L ms at most 3 + L / 1000 attempts.
  for (let i = 0; i < sent.length; i++) for (let j = i; j < sent.length; j++) assert.ok(j - i + 1 <= 3 + (sent[j]! - sent[i]!) / 1000 + 1e-9, `${j - i + 1} attempts within ${sent[j]! - sent[i]!} ms`);
  assert.ok(sent.at(-1)! >= 97_000, 'the burst drains at the rate');
  assert.ok(sent.at(-1)! <= 100_000, 'and no slower than it');
});

void test('targets are paced apart; a quiet target gets its burst back', () => {
  const pacing = new TargetPacing({ webhook: { perMinute: 60, burst: 2 } });
  assert.equal(pacing.take('a', 'webhook', 0), null);
  assert.equal(pacing.take('a', 'webhook', 0), null);
  assert.equal(pacing.take('a', 'webhook', 0), 1000);
  assert.equal(pacing.take('a', 'webhook', 0), 2000, 'the next one put off after the previous');
  assert.equal(pacing.take('b', 'webhook', 0), null, 'another target is not held up');
  assert.equal(pacing.take('a', 'webhook', 10_000), null);
  assert.equal(pacing.take('a', 'webhook', 10_000), null);
  assert.equal(pacing.take('a', 'webhook', 10_000), 11_000);
});
