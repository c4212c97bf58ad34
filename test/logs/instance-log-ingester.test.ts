import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstanceLog } from '../../src/runtime/process/log-writer.ts';
import { InstanceLogIngester } from '../../src/logs/instance-log-ingester.ts';
import { instanceScope } from '../../src/logs/instance-scope.ts';
import { LogIngest } from '../../src/logs/log-ingest.ts';
import { truncationMarker } from '../../src/logs/log-entry.ts';
import { MemoryLogStore } from './memory-log-store.ts';

const id = 'app.production.web.r3.0';

function setup(t: { after(fn: () => unknown): void }): { dir: string; cursorFile: string; store: MemoryLogStore; ingest: LogIngest; ingester(): InstanceLogIngester } {
  const root = mkdtempSync(join(tmpdir(), 'sluice-ingester-'));
  const dir = join(root, 'instances');
  const store = new MemoryLogStore();
  const ingest = new LogIngest(store, { flushMs: 1 });
  const made: InstanceLogIngester[] = [];
  t.after(async () => {
    for (const m of made) await m.stop();
    await ingest.close();
    rmSync(root, { recursive: true, force: true });
  });
  const cursorFile = join(root, 'cursors.json');
  return {
    dir, cursorFile, store, ingest,
    ingester: () => {
      const m = new InstanceLogIngester({ dir, cursorFile, logs: ingest, onError: (msg, e) => assert.fail(`${msg}: ${String(e)}`), pollMs: 60_000 });
      made.push(m);
      return m;
    },
  };
}

void test('an instance id names its project, environment, service and release', () => {
  assert.deepEqual(instanceScope(id), { project: 'app', environment: 'production', service: 'web', release: 3 });
});

void test('spool lines become entries in order, across rotations; read rotated files are deleted; a restart resumes where it was', async (t) => {
  const fx = setup(t);
  const clock = Date.parse('2026-12-05T10:00:00Z');
  const log = new InstanceLog(join(fx.dir, `${id}.log`), { limits: { maxBytes: 5 * 400, rotatedFiles: 4, maxAgeMs: 86_400_000 }, now: () => clock });
  const first = fx.ingester();
  await first.start();
  for (let i = 0; i < 10; i++) log.write(i % 2 ? 'stderr' : 'stdout', `{"level":"warn","msg":"line ${i}"}`);
  log.write('stdout', 'x'.repeat(50), true);
  await log.close();
  await first.pass();
  const texts = fx.store.entries.map((e) => e.text);
  assert.deepEqual(texts.slice(0, 10), Array.from({ length: 10 }, (_, i) => `{"level":"warn","msg":"line ${i}"}`));
  assert.ok(texts[10]!.endsWith(truncationMarker));
  const e = fx.store.entries[1]!;
  assert.deepEqual([e.source, e.project, e.environment, e.service, e.release, e.instance, e.stream, e.level, e.at], ['instance', 'app', 'production', 'web', 3, id, 'stderr', 'warn', '2026-12-05T10:00:00.000Z']);
  // Rotated files wait until they settle, then go once read.
  const rotated = readdirSync(fx.dir).filter((n) => /\.log\.\d+$/.test(n));
  assert.ok(rotated.length > 0, 'the writer rotated');
  const past = new Date(Date.now() - 60_000);
  for (const n of rotated) utimesSync(join(fx.dir, n), past, past);
  await first.pass();
  assert.deepEqual(readdirSync(fx.dir).filter((n) => /\.log\.\d+$/.test(n)), []);
  assert.equal(fx.store.entries.length, 11, 'nothing read twice');
  await first.stop();
  // A new ingester (a restarted server) reads only what came after.
  appendFileSync(join(fx.dir, `${id}.log`), `${JSON.stringify({ ts: new Date(clock).toISOString(), stream: 'stdout', line: 'after the restart' })}\nnot json \u0000 at all\n`);
  const second = fx.ingester();
  await second.start();
  assert.deepEqual(fx.store.entries.slice(11).map((x) => x.text), ['after the restart', 'not json \\x00 at all']);
});

void test('while the store cannot take lines, the spool is left alone and read once it can', async (t) => {
  const fx = setup(t);
  mkdirSync(fx.dir, { recursive: true });
  writeFileSync(join(fx.dir, `${id}.log`), '', { flag: 'a' });
  fx.store.failWith = new Error('SQLITE_FULL: database or disk is full');
  const ingester = fx.ingester();
  await ingester.start();
  appendFileSync(join(fx.dir, `${id}.log`), `${JSON.stringify({ ts: new Date().toISOString(), stream: 'stdout', line: 'one' })}\n`);
  await ingester.pass();
  assert.equal(fx.ingest.status().error, 'SQLITE_FULL: database or disk is full');
  appendFileSync(join(fx.dir, `${id}.log`), `${JSON.stringify({ ts: new Date().toISOString(), stream: 'stdout', line: 'two' })}\n`);
  await ingester.pass();
  assert.equal(fx.store.entries.length, 0);
  fx.store.failWith = null;
  const deadline = Date.now() + 10_000;
  while (fx.ingest.status().error !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await ingester.pass();
  assert.deepEqual(fx.store.entries.map((e) => e.text), ['one', 'two']);
});

void test('a partial last line is not read until it is complete', async (t) => {
  const fx = setup(t);
  mkdirSync(fx.dir, { recursive: true });
  const file = join(fx.dir, `${id}.log`);
  appendFileSync(file, `${JSON.stringify({ ts: '2030-01-01T00:00:00.000Z', stream: 'stdout', line: 'done' })}\n{"ts":"2030-01-01T00:00:01.000Z","str`);
  const ingester = fx.ingester();
  await ingester.start();
  assert.deepEqual(fx.store.entries.map((e) => e.text), ['done']);
  appendFileSync(file, 'eam":"stdout","line":"later"}\n');
  await ingester.pass();
  assert.deepEqual(fx.store.entries.map((e) => e.text), ['done', 'later']);
});
