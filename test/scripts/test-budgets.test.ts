// `npm test`'s budgets: Node 20's --test-timeout cancels a whole file, so no test may ask for
// a budget as long as it (issue 9: a 900 s test in a file cancelled at 300 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILE_TIMEOUT_MS, testTimeoutsIn } from '../../scripts/test-run/test-budgets.ts';

const testDir = join(dirname(fileURLToPath(import.meta.url)), '..');

void test('budgets are read from test options, every number of a ternary included', () => {
  assert.deepEqual(testTimeoutsIn("test('a', { timeout: 900_000 }, async () => {});"), [900_000]);
  assert.deepEqual(testTimeoutsIn("test('b', { timeout: FULL ? 1_500_000 : 600_000 }, fn);"), [1_500_000, 600_000]);
  assert.deepEqual(testTimeoutsIn("run('x', { timeoutMs: 5000 }); const yaml = 'timeout: 5m';"), []);
});

void test('no test asks for a budget as long as the file timeout', () => {
  const over: string[] = [];
  for (const d of readdirSync(testDir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(join(testDir, d.name)).filter((x) => x.endsWith('.test.ts'))) {
      for (const ms of testTimeoutsIn(readFileSync(join(testDir, d.name, f), 'utf8'))) if (ms >= FILE_TIMEOUT_MS) over.push(`${d.name}/${f}: ${ms}`);
    }
  }
  assert.deepEqual(over, [], `file timeout ${FILE_TIMEOUT_MS} ms`);
});
