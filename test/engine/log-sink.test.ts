import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogSink } from '../../src/engine/log-sink.ts';
import { openFixture } from './engine-fixtures.ts';

void test('a step keeps at most stepMaxBytes of output, with a note where it was cut', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  const errors: unknown[] = [];
  const sink = new LogSink(fx.store, 'run-1', (e) => errors.push(e), (l) => l.replaceAll('hunter2', '***'), { stepMaxBytes: 1000 });
  const line = 'y'.repeat(99); // 99 bytes: ten fit
  for (let i = 0; i < 50; i++) sink.line('step-a', 'stdout', `${i % 10}${line}`);
  sink.line('step-a', 'stdout', 'short, but after the cut');
  sink.line('step-b', 'stdout', 'another step has its own budget: hunter2');
  sink.line(null, 'system', 'a run line is not counted against a step');
  sink.endStep('step-a');
  sink.endStep('step-b');
  await sink.flush();
  assert.deepEqual(errors, []);
  const stored = await fx.store.readLogs('run-1', 0, 1000);
  const a = stored.filter((l) => l.stepId === 'step-a');
  assert.equal(a.length, 11);
  assert.equal(a.slice(0, 10).reduce((n, l) => n + Buffer.byteLength(l.line), 0), 1000);
  assert.equal(a[10]!.stream, 'system');
  assert.equal(a[10]!.line, `… output cut at 1000B (${40 * 100 + 24} bytes in 41 lines dropped)`);
  assert.deepEqual(stored.filter((l) => l.stepId === 'step-b').map((l) => l.line), ['another step has its own budget: ***']);
  assert.equal(stored.filter((l) => l.stepId === null).length, 1);
});

void test('a step within its budget gets no note', async (t) => {
  const fx = await openFixture();
  t.after(() => fx.close());
  const sink = new LogSink(fx.store, 'run-2', (e) => assert.fail(String(e)), undefined, { stepMaxBytes: 1000 });
  for (let i = 0; i < 10; i++) sink.line('s', 'stdout', 'x'.repeat(100));
  sink.endStep('s');
  await sink.flush();
  assert.equal((await fx.store.readLogs('run-2', 0, 100)).length, 10);
});
