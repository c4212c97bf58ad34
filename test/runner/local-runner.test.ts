import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner } from '../../src/runner/local/local-runner.ts';
import { killProcessGroup } from '../../src/runtime/process/process-group.ts';
import type { StepRequest, StepResult } from '../../src/runner/runner.ts';
import { groupAlive, processAlive, waitFor } from './proc-helpers.ts';

const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' };

interface Captured { result: StepResult; lines: Array<{ stream: string; line: string; at: Date }>; pid: number | null }

async function runStep(command: string, extra: Partial<StepRequest> = {}, runner = new LocalRunner()): Promise<Captured> {
  const lines: Captured['lines'] = [];
  let pid: number | null = null;
  const result = await runner.run({
    command,
    cwd: tmpdir(),
    env: ENV,
    timeoutMs: 20_000,
    onLine: (stream, line, at) => lines.push({ stream, line, at }),
    onStart: (p) => { pid = p; },
    ...extra,
  });
  return { result, lines, pid };
}

const of = (c: Captured, stream: string): string[] => c.lines.filter((l) => l.stream === stream).map((l) => l.line);

void test('captures stdout and stderr line by line, in order, with timestamps', async () => {
  const c = await runStep("echo one; echo err1 >&2; printf 'two\\r\\nthree\\n'; echo err2 >&2; printf 'partial'");
  assert.equal(c.result.outcome, 'succeeded');
  assert.equal(c.result.exitCode, 0);
  assert.equal(c.result.reason, null);
  assert.deepEqual(of(c, 'stdout'), ['one', 'two', 'three', 'partial']);
  assert.deepEqual(of(c, 'stderr'), ['err1', 'err2']);
  for (const l of c.lines) {
    assert.ok(l.at instanceof Date);
    assert.ok(l.at >= c.result.startedAt && l.at <= c.result.finishedAt);
  }
  assert.ok(typeof c.pid === 'number' && c.pid > 1);
  assert.equal(c.result.truncatedLines, 0);
});

void test('keeps empty lines and runs in the given cwd', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-runner-'));
  try {
    const c = await runStep('echo a; echo; echo b; pwd', { cwd: dir });
    assert.deepEqual(of(c, 'stdout'), ['a', '', 'b', dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('non-zero exit and death by signal are failures with a reason', async () => {
  const a = await runStep('echo before; exit 3');
  assert.equal(a.result.outcome, 'failed');
  assert.equal(a.result.exitCode, 3);
  assert.equal(a.result.reason, 'exited with code 3');
  const b = await runStep('kill -KILL $$');
  assert.equal(b.result.outcome, 'failed');
  assert.equal(b.result.exitCode, null);
  assert.equal(b.result.signal, 'SIGKILL');
  assert.equal(b.result.reason, 'killed by SIGKILL');
});

void test('the environment is exactly the one given', async () => {
  process.env.SLUICE_RUNNER_TEST_MARKER = 'leak';
  try {
    const c = await runStep('env', { env: { ...ENV, GIVEN_VAR: 'yes' } });
    const names = of(c, 'stdout').map((l) => l.slice(0, l.indexOf('=')));
    assert.ok(of(c, 'stdout').includes('GIVEN_VAR=yes'));
    assert.ok(!names.includes('SLUICE_RUNNER_TEST_MARKER'));
    // The shell itself may add PWD, SHLVL and _; nothing else may appear.
    const extra = names.filter((n) => !['PATH', 'LANG', 'GIVEN_VAR', 'PWD', 'SHLVL', '_', 'OLDPWD'].includes(n));
    assert.deepEqual(extra, []);
  } finally {
    delete process.env.SLUICE_RUNNER_TEST_MARKER;
  }
});

void test('a timeout terminates the whole process group', async () => {
  const c = await runStep('sleep 30 & sleep 30; echo never', { timeoutMs: 500 });
  assert.equal(c.result.outcome, 'timed_out');
  assert.equal(c.result.reason, 'step timed out after 500ms');
  assert.ok(!of(c, 'stdout').includes('never'));
  assert.ok(c.pid !== null);
  assert.ok(await waitFor(() => !groupAlive(c.pid!)), 'sleep processes are gone');
});

void test('a step ignoring SIGTERM is killed after the grace period', async () => {
  const runner = new LocalRunner({ killGraceMs: 300 });
  const c = await runStep("trap '' TERM; sleep 30", { timeoutMs: 300 }, runner);
  assert.equal(c.result.outcome, 'timed_out');
  assert.ok(await waitFor(() => !groupAlive(c.pid!)));
});

void test('an AbortSignal cancels the step', async () => {
  const ac = new AbortController();
  const c = await runStep('echo started; sleep 30', {
    signal: ac.signal,
    onLine: (_s, line) => { if (line === 'started') ac.abort(); },
  });
  assert.equal(c.result.outcome, 'cancelled');
  assert.equal(c.result.reason, 'cancelled');
  assert.ok(await waitFor(() => !groupAlive(c.pid!)));

  const pre = new AbortController();
  pre.abort();
  const d = await runStep('echo should-not-run', { signal: pre.signal });
  assert.equal(d.result.outcome, 'cancelled');
  assert.equal(d.pid, null);

  // Aborted while the runner checks the working directory (between run() and the spawn): before,
  // no listener heard it and the step ran to its timeout (a server's SIGTERM waited 10 minutes).
  const during = new AbortController();
  const started = Date.now();
  const pending = runStep('sleep 30', { signal: during.signal, timeoutMs: 60_000 });
  during.abort();
  const e = await pending;
  assert.equal(e.result.outcome, 'cancelled');
  assert.equal(e.pid, null, 'never spawned');
  assert.ok(Date.now() - started < 10_000, `ended ${Date.now() - started} ms after the abort`);
});

void test('megabytes of output finish with the right line count', async () => {
  let count = 0;
  let last = '';
  const result = await new LocalRunner().run({
    command: 'yes 0123456789012345678901234567890123456789 | head -n 125000', // ~5 MB
    cwd: tmpdir(), env: ENV, timeoutMs: 60_000,
    onLine: (stream, line) => { if (stream === 'stdout') { count++; last = line; } },
  });
  assert.equal(result.outcome, 'succeeded');
  assert.equal(count, 125000);
  assert.equal(last, '0123456789012345678901234567890123456789');
});

void test('lines longer than 16 KiB are cut and counted', async () => {
  const c = await runStep("head -c 20000 /dev/zero | tr '\\0' a; echo; printf 'tail'");
  const out = of(c, 'stdout');
  assert.equal(out.length, 2);
  assert.equal(out[0], 'a'.repeat(16384) + ' … [truncated]');
  assert.equal(out[1], 'tail');
  assert.equal(c.result.truncatedLines, 1);
});

void test('background children are killed when the step ends', async () => {
  const c = await runStep('sleep 60 & echo "bg $!"');
  assert.equal(c.result.outcome, 'succeeded');
  const bgPid = Number(of(c, 'stdout')[0]?.split(' ')[1]);
  assert.ok(bgPid > 1);
  assert.ok(await waitFor(() => !processAlive(bgPid)), 'background sleep is gone');
});

void test('an escaped grandchild holding the pipes does not hang the step', async () => {
  // setsid moves the sleep out of the step's group, so the group kill cannot reach it.
  // The short sleep lets setsid run before the shell exits.
  const c = await runStep('setsid sleep 30 & echo "bg $!"; sleep 0.3; printf tail');
  const bgPid = Number(of(c, 'stdout')[0]?.split(' ')[1]);
  try {
    assert.equal(c.result.outcome, 'succeeded');
    assert.ok(bgPid > 1);
    assert.ok(processAlive(bgPid), 'the grandchild really escaped the group kill');
    assert.deepEqual(of(c, 'stdout'), [`bg ${bgPid}`, 'tail'], 'the partial last line is reported before resolving');
  } finally {
    if (bgPid > 1) killProcessGroup(bgPid, 'SIGKILL');
  }
  assert.ok(await waitFor(() => !processAlive(bgPid)));
});

void test('a missing working directory fails without spawning', async () => {
  const c = await runStep('true', { cwd: '/no/such/dir' });
  assert.equal(c.result.outcome, 'failed');
  assert.match(c.result.reason ?? '', /does not exist/);
  assert.equal(c.pid, null);
});

void test('a throwing onLine callback ends the step and rejects', async () => {
  await assert.rejects(
    new LocalRunner().run({
      command: 'echo x; sleep 30', cwd: tmpdir(), env: ENV, timeoutMs: 20_000,
      onLine: () => { throw new Error('boom'); },
    }),
    /boom/,
  );
});

void test('killProcessGroup ignores missing groups and refuses pids <= 1', () => {
  assert.equal(killProcessGroup(2 ** 22 + 12345, 'SIGTERM'), false);
  assert.throws(() => killProcessGroup(0, 'SIGTERM'), RangeError);
  assert.throws(() => killProcessGroup(1, 'SIGTERM'), RangeError);
});
