// The sweep of `npm test` (scripts/run-tests.ts): processes of a test root, in groups of their
// own, found by cwd, argument, environment or ancestry, are ended; nothing outside the root is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findTestProcesses, sweepTestProcesses } from '../../scripts/test-run/sweep-test-processes.ts';
import { testRootOf } from '../../scripts/test-run/test-root-of.ts';
import { groupAlive, processAlive, waitFor } from '../runner/proc-helpers.ts';

function setup(t: TestContext): { root: string; group: (script: string, o?: { cwd?: string; env?: Record<string, string>; arg0?: string }) => number } {
  const base = mkdtempSync(join(tmpdir(), 'sluice-sweep-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'data'), { recursive: true });
  const groups: number[] = [];
  t.after(() => {
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // ended by the sweep, as it should be
      }
    }
    rmSync(base, { recursive: true, force: true });
  });
  return {
    root,
    group(script, o = {}) {
      const child = spawn('sh', ['-c', script, ...(o.arg0 === undefined ? [] : [o.arg0])], { detached: true, stdio: 'ignore', cwd: o.cwd ?? '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...o.env } });
      child.unref();
      groups.push(child.pid!);
      return child.pid!;
    },
  };
}

void test('the sweep ends every process group of the root, found by cwd, argument, environment or parent', async (t) => {
  const { root, group } = setup(t);
  const byCwd = group('sleep 300 & sleep 300; wait', { cwd: join(root, 'data') });
  const byArg = group('sleep 300; wait', { arg0: `${root}/data/x` });
  const byEnv = group('sleep 300; wait', { env: { SLUICE_TEST_ROOT: root } });
  // A child that left the root's directory still belongs to its parent there.
  const byParent = group('(cd / && exec sleep 300) & wait', { cwd: root });
  // Ignores SIGTERM: SIGKILL after the grace period.
  const stubborn = group("trap '' TERM; while :; do sleep 1; done", { cwd: root });
  // Outside: a sibling whose path only shares the root's prefix, and a plain process.
  const sibling = `${root}-other`;
  mkdirSync(sibling);
  const outside = group('sleep 300', { cwd: sibling });
  const plain = group('sleep 300');

  const ours = [byCwd, byArg, byEnv, byParent, stubborn];
  assert.ok(await waitFor(() => ours.every((g) => findTestProcesses(root).some((p) => p.pgid === g)), 10_000), 'the sweep sees every group of the root');
  const swept = await sweepTestProcesses(root, { graceMs: 1000 });
  assert.ok(swept.length >= ours.length, JSON.stringify(swept));
  for (const g of ours) assert.equal(groupAlive(g), false, `group ${g} ended`);
  assert.deepEqual(findTestProcesses(root), []);
  assert.equal(groupAlive(outside), true, 'a sibling directory with the same prefix is not the root');
  assert.equal(groupAlive(plain), true, 'a process with nothing under the root is left alone');
});

void test('a group shared with processes outside the root loses only the root\'s processes', async (t) => {
  const { root, group } = setup(t);
  // The leader stays outside (cwd /); its subshell moves into the root: same group, not a descendant of anything there.
  const leader = group(`(cd "${root}" && exec sleep 301) & exec sleep 300`);
  assert.ok(await waitFor(() => findTestProcesses(root).length === 1, 10_000));
  const inside = findTestProcesses(root)[0]!;
  assert.equal(inside.pgid, leader);
  await sweepTestProcesses(root, { graceMs: 1000 });
  assert.equal(processAlive(inside.pid), false, 'the process in the root ended');
  assert.equal(processAlive(leader), true, 'the leader outside the root lives on');
});

void test('the test root is per checkout and stable', () => {
  assert.equal(testRootOf('/a/checkout', '/tmp'), testRootOf('/a/checkout/', '/tmp'));
  assert.notEqual(testRootOf('/a/checkout', '/tmp'), testRootOf('/b/checkout', '/tmp'));
  assert.match(testRootOf('/a/checkout', '/tmp'), /^\/tmp\/sluice-tests-[0-9a-f]{12}$/);
});
