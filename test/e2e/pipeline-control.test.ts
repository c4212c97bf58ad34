// Steering runs: commits landing while a run is queued supersede it (only the newest is
// built), `sluice cancel` ends a running step's processes, and a step timeout fails the run.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { alive, sleep } from './harness.ts';
import { firstRun, getRun, processesIn, setup, stageOf, waitId, type FullRun } from './pipeline-kit.ts';
import { StepSignals } from './step-signals.ts';

/** A gate that lets gated builds finish: the test decides when the queue moves (over loopback HTTP: steps are sandboxed). */
async function closedGate(t: TestContext): Promise<{ wait: string; open(): void }> {
  const signals = await StepSignals.start(t);
  return { wait: signals.waitFor('open'), open: () => signals.openGate('open') };
}

/** A pipeline whose build waits (at most 2 minutes) for the gate, then runs `then`. */
function gated(wait: string, then: string): string {
  return `build:\n  - run: ${JSON.stringify(`${wait}; ${then}`)}\ntest:\n  - run: "true"\n`;
}

void test('commits landing while a run is queued: only the newest is built, the others are superseded', async (t) => {
  const gate = await closedGate(t);
  const { server, repo, name } = await setup(t, 'supersede', { 'sluice.yaml': gated(gate.wait, 'echo "built $(cat N)"'), N: '0\n' }, { args: ['--max-runs', '1'] });
  const busy = await firstRun(server, name, (r) => r.state === 'running');
  const shas: string[] = [];
  for (const n of [1, 2, 3]) {
    shas.push(repo.commit(`commit ${n}`, { N: `${n}\n` }));
    const r = await server.cli(['trigger', name]);
    assert.equal(r.code, 0, r.stderr);
  }
  gate.open();
  const newest = shas[2]!;
  const last = await server.waitRun(name, newest, 90_000);
  assert.equal(last.state, 'succeeded', JSON.stringify(last));
  assert.equal((await waitId(server, busy.id)).state, 'succeeded');
  // Let the poller see the last commit too (it may queue one more run of it).
  await sleep(2500);
  const runs = await server.json<FullRun[]>(['runs', name]);
  const settled: FullRun[] = [];
  for (const r of runs) settled.push(await waitId(server, r.id, 90_000));
  const newestNumber = Math.max(...settled.map((r) => r.number));
  for (const r of settled) {
    if (r.id === busy.id) continue;
    if (r.number === newestNumber) {
      assert.equal(r.commit, newest, 'the newest run builds the newest commit');
      assert.equal(r.state, 'succeeded');
      continue;
    }
    if (r.state === 'succeeded' && r.commit === newest) continue; // the poller's run of the same head, built after
    assert.equal(r.state, 'superseded', `run #${r.number} of ${r.commit.slice(0, 8)}: ${r.state}`);
    const m = /superseded by run #(\d+)/.exec(r.reason ?? '');
    assert.ok(m, `reason names the newer run: ${r.reason}`);
    assert.ok(Number(m[1]) > r.number);
    assert.ok(settled.some((x) => x.number === Number(m[1])));
    for (const s of r.stages) assert.equal(s.startedAt, null, `superseded run #${r.number} never started ${s.name}`);
  }
  for (const old of shas.slice(0, 2)) {
    const of = settled.filter((r) => r.commit === old);
    assert.ok(of.length >= 1, `commit ${old} had a run`);
    for (const r of of) assert.equal(r.state, 'superseded', `no run of the older commit ${old.slice(0, 8)} was built`);
  }
});

void test('cancel ends a running step and its processes, and keeps the reason given', async (t) => {
  // Long enough that only the cancel can end it (a slow machine cannot let it finish first).
  const { server, repo, name } = await setup(t, 'cancel', { 'sluice.yaml': 'build:\n  - run: sleep 600\ntest:\n  - run: "true"\n' });
  const run = await firstRun(server, name, (r) => r.commit === repo.head());
  const pids = await server.waitFor('the step process', async () => {
    const found = processesIn(server.dataDir, ['sleep', '600']);
    return found.length ? found : null;
  });
  const c = await server.cli(['cancel', run.id, '--reason', 'wrong branch']);
  assert.equal(c.code, 0, c.stderr);
  const done = await waitId(server, run.id, 20_000);
  assert.equal(done.state, 'cancelled', JSON.stringify(done));
  assert.match(done.reason ?? '', /^cancelled by \S+: wrong branch$/, 'the reason given is kept to the end');
  assert.notEqual(stageOf(done, 'build').state, 'succeeded');
  assert.equal(stageOf(done, 'test').state, 'skipped');
  assert.equal(stageOf(done, 'test').startedAt, null);
  await server.waitFor('the sleep to be gone', async () => pids.every((p) => !alive(p)), 10_000);
  assert.deepEqual(processesIn(server.dataDir, ['sleep', '600']), []);
  // An ended run cannot be cancelled again.
  const again = await server.cli(['cancel', run.id]);
  assert.equal(again.code, 1);
  assert.equal((await getRun(server, run.id)).state, 'cancelled');
});

void test('a queued run can be cancelled before it starts', async (t) => {
  const gate = await closedGate(t);
  const { server, repo, name } = await setup(t, 'cancelq', { 'sluice.yaml': gated(gate.wait, 'true') }, { args: ['--max-runs', '1'] });
  const busy = await firstRun(server, name, (r) => r.state === 'running');
  repo.git('branch', 'other');
  const queued = await server.json<FullRun>(['trigger', name, '--ref', 'other']);
  assert.equal(queued.state, 'queued');
  const c = await server.json<FullRun>(['cancel', queued.id]);
  assert.equal(c.state, 'cancelled');
  gate.open();
  assert.equal((await waitId(server, busy.id)).state, 'succeeded');
  const after = await getRun(server, queued.id);
  assert.equal(after.state, 'cancelled');
  for (const s of after.stages) assert.equal(s.startedAt, null);
});

void test('a step over its timeout fails the run with a reason saying so', async (t) => {
  const pipeline = 'build:\n  - name: forever\n    run: sleep 30\n    timeout: 1s\ntest:\n  - run: "true"\n';
  const { server, repo, name } = await setup(t, 'timeout', { 'sluice.yaml': pipeline });
  const run = (await server.waitRun(name, repo.head(), 30_000)) as unknown as FullRun;
  assert.equal(run.state, 'failed', JSON.stringify(run));
  assert.match(run.reason ?? '', /timed out/);
  assert.match(run.reason ?? '', /forever/);
  const step = stageOf(run, 'build').steps[0]!;
  assert.equal(step.state, 'failed');
  assert.match(step.reason ?? '', /timed out/);
  assert.equal(stageOf(run, 'test').state, 'skipped');
  assert.deepEqual(processesIn(server.dataDir, ['sleep', '30']), []);
});
