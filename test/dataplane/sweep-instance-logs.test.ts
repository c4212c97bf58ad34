import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepInstanceLogs } from '../../src/dataplane/sweep-instance-logs.ts';
import { instanceShare } from '../../src/dataplane/instance-log-policy.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-sweep-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const day = 86_400_000;

async function file(dir: string, name: string, bytes: number, ageMs: number): Promise<void> {
  await writeFile(join(dir, name), 'x'.repeat(bytes));
  const t = new Date(Date.now() - ageMs);
  await utimes(join(dir, name), t, t);
}

void test('each environment is brought within its cap, oldest files first, never a file an instance writes', async () => {
  const dir = join(root, 'cap');
  await mkdir(dir);
  // app.prod: a live instance (r2.1) and an earlier release's leftovers (r1.1), 7000 bytes in all.
  await file(dir, 'app.prod.web.r2.1.log', 1500, 0);
  await file(dir, 'app.prod.web.r2.1.log.1', 1500, 1000);
  await file(dir, 'app.prod.web.r1.1.log', 2000, 5000);
  await file(dir, 'app.prod.web.r1.1.log.1', 2000, 9000);
  // app.staging: within its cap, untouched.
  await file(dir, 'app.staging.web.r1.1.log', 3000, 9000);
  await file(dir, 'unrelated.txt', 9000, 9000);
  const policy = { maxBytesPerEnvironment: 4000, maxAgeMs: day, rotatedFiles: 1 };
  const removed = await sweepInstanceLogs(dir, policy, new Set(['app.prod.web.r2.1', 'app.staging.web.r1.1']), Date.now());
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), ['app.prod.web.r1.1.log', 'app.prod.web.r1.1.log.1']);
  assert.deepEqual((await readdir(dir)).sort(), ['app.prod.web.r2.1.log', 'app.prod.web.r2.1.log.1', 'app.staging.web.r1.1.log', 'unrelated.txt']);
});

void test('files past the max age are removed, except the file a live instance writes', async () => {
  const dir = join(root, 'age');
  await mkdir(dir);
  await file(dir, 'a.b.web.r1.1.log', 10, 3 * day); // live, quiet for days: kept
  await file(dir, 'a.b.web.r1.1.log.1', 10, 3 * day);
  await file(dir, 'a.b.web.r1.1.log.2', 10, 1000);
  await file(dir, 'a.b.web.r0.1.log', 10, 3 * day); // a removed instance
  const removed = await sweepInstanceLogs(dir, { maxBytesPerEnvironment: 1e9, maxAgeMs: day, rotatedFiles: 2 }, new Set(['a.b.web.r1.1']), Date.now());
  assert.equal(removed.length, 2);
  assert.deepEqual((await readdir(dir)).sort(), ['a.b.web.r1.1.log', 'a.b.web.r1.1.log.2']);
});

void test('an instance gets its share of the environment cap', () => {
  const policy = { maxBytesPerEnvironment: 20 * 1024 * 1024, maxAgeMs: day, rotatedFiles: 4 };
  assert.deepEqual(instanceShare(policy, 4), { maxBytes: 5 * 1024 * 1024, rotatedFiles: 4, maxAgeMs: day });
  assert.equal(instanceShare(policy, 0).maxBytes, 20 * 1024 * 1024);
});
