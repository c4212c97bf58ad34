// EventLog: stored first, then listeners; a store failure never reaches the emitter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLog, type EventRecords } from '../../src/events/event-log.ts';
import type { EventFilter, NewPlatformEvent, PlatformEvent } from '../../src/events/platform-event.ts';
import { systemClock } from '../../src/engine/clock.ts';

const newEvent: NewPlatformEvent = { kind: 'run.failed', project: 'p', environment: null, release: null, run: { id: 'r1', number: 1 }, commit: null, cause: 'commit', summary: 'run #1 failed', facts: { reason: 'test failed' } };

function memoryRecords(fail = false): EventRecords & { events: PlatformEvent[] } {
  const events: PlatformEvent[] = [];
  return {
    events,
    appendEvent: (e) => {
      if (fail) return Promise.reject(new Error('disk I/O error'));
      const stored = { ...e, seq: events.length + 1 };
      events.push(stored);
      return Promise.resolve(stored);
    },
    listEvents: (f: EventFilter) => Promise.resolve(events.filter((e) => f.afterSeq === undefined || e.seq > f.afterSeq).slice(0, f.limit)),
  };
}

const silent = { info: () => {}, warn: () => {}, error: () => {} };

void test('emit stores the event with an id and a time, then tells each listener the stored event', async () => {
  const records = memoryRecords();
  const log = new EventLog(records, systemClock, silent);
  const heard: PlatformEvent[] = [];
  const unsubscribe = log.subscribe((e) => heard.push(e));
  const stored = await log.emit(newEvent);
  assert.ok(stored);
  assert.match(stored.id, /^evt_[0-9a-f-]{36}$/);
  assert.ok(!Number.isNaN(Date.parse(stored.at)));
  assert.deepEqual(heard, [stored]);
  assert.deepEqual(records.events, [stored]);
  unsubscribe();
  await log.emit({ ...newEvent, id: 'given', at: '2026-01-01T00:00:00.000Z' });
  assert.equal(heard.length, 1);
  assert.deepEqual((await log.list({ afterSeq: 1, limit: 10 })).map((e) => [e.id, e.at]), [['given', '2026-01-01T00:00:00.000Z']]);
});

void test('a store failure is logged and returns undefined; a throwing listener does not stop the others', async () => {
  const errors: string[] = [];
  const failing = new EventLog(memoryRecords(true), systemClock, { ...silent, error: (m) => errors.push(m) });
  assert.equal(await failing.emit(newEvent), undefined);
  assert.match(errors[0] ?? '', /event run\.failed of p not recorded: disk I\/O error/);

  const log = new EventLog(memoryRecords(), systemClock, { ...silent, error: (m) => errors.push(m) });
  let second = 0;
  log.subscribe(() => {
    throw new Error('boom');
  });
  log.subscribe(() => second++);
  assert.ok(await log.emit(newEvent));
  assert.equal(second, 1);
  assert.match(errors[1] ?? '', /listener failed on run\.failed: boom/);
});
