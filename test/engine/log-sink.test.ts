import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogSink } from '../../src/engine/log-sink.ts';
import { maxLineBytes, truncationMarker } from '../../src/logs/log-entry.ts';
import { RecordingLogs } from './engine-fixtures.ts';

const run = { id: 'run-1', project: 'app' };

void test('a step keeps at most stepMaxBytes of output, with a note where it was cut', () => {
  const logs = new RecordingLogs();
  const sink = new LogSink(logs, run, (l) => l.replaceAll('hunter2', '***'), { stepMaxBytes: 1000 });
  const line = 'y'.repeat(99); // 99 bytes: ten fit
  for (let i = 0; i < 50; i++) sink.line('step-a', 'stdout', `${i % 10}${line}`);
  sink.line('step-a', 'stdout', 'short, but after the cut');
  sink.line('step-b', 'stdout', 'another step has its own budget: hunter2');
  sink.line(null, 'system', 'a run line is not counted against a step');
  sink.endStep('step-a');
  sink.endStep('step-b');
  const a = logs.entries.filter((l) => l.stepId === 'step-a');
  assert.equal(a.length, 11);
  assert.equal(a.slice(0, 10).reduce((n, l) => n + Buffer.byteLength(l.text), 0), 1000);
  assert.equal(a[10]!.stream, 'event');
  assert.equal(a[10]!.text, `… output cut at 1000B (${40 * 100 + 24} bytes in 41 lines dropped)`);
  assert.deepEqual(logs.entries.filter((l) => l.stepId === 'step-b').map((l) => l.text), ['another step has its own budget: ***']);
  const own = logs.entries.filter((l) => l.stepId === null);
  assert.deepEqual(own.map((l) => [l.stream, l.source, l.project, l.runId]), [['event', 'step', 'app', 'run-1']]);
});

void test('a step within its budget gets no note', () => {
  const logs = new RecordingLogs();
  const sink = new LogSink(logs, run, undefined, { stepMaxBytes: 1000 });
  for (let i = 0; i < 10; i++) sink.line('s', 'stdout', 'x'.repeat(100));
  sink.endStep('s');
  assert.equal(logs.entries.length, 10);
});

void test('lines are stored safe and within the line cap, with their level; deploy events carry environment and release', () => {
  const logs = new RecordingLogs();
  const sink = new LogSink(logs, run);
  sink.line('s', 'stdout', '{"level":50,"msg":"boom"}');
  sink.line('s', 'stderr', `bin\u0000ary ${'z'.repeat(2 * maxLineBytes)}`);
  sink.deployEvent('production', 7, 'deploying release 7');
  const [json, long, deploy] = logs.entries;
  assert.equal(json!.level, 'error');
  assert.ok(long!.text.startsWith('bin\\x00ary'));
  assert.ok(long!.text.endsWith(truncationMarker));
  assert.ok(Buffer.byteLength(long!.text) <= maxLineBytes);
  assert.deepEqual([deploy!.source, deploy!.stream, deploy!.environment, deploy!.release, deploy!.runId], ['deploy', 'event', 'production', 7, 'run-1']);
});
