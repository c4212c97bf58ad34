// Durability: a server SIGKILLed mid-step is restarted and the run ends (resumed, or failed
// `interrupted` after too many attempts) with its id, and the orphaned step processes are
// ended; two servers on one data directory never execute a run twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { alive, bin, freePort, root, runCli, sleep, TestRepo, TestServer } from './harness.ts';
import { allLogs, firstRun, processesIn, setup, waitId, type FullRun } from './pipeline-kit.ts';
import { StepSignals } from './step-signals.ts';

async function stepProcess(server: TestServer, argv: string[], not: number[] = []): Promise<number> {
  const pids = await server.waitFor(`a step process ${argv.join(' ')}`, async () => {
    const found = processesIn(server.dataDir, argv).filter((p) => !not.includes(p));
    return found.length ? found : null;
  });
  return pids[0]!;
}

void test('a server killed mid-step is restarted: the run resumes with its id and no step process is left', async (t) => {
  // Only the first attempt sleeps (a loopback `once`: steps are sandboxed and see no host path).
  const signals = await StepSignals.start(t);
  const pipeline = `build:\n  - run: ${JSON.stringify(`${signals.once('sleep')} && sleep 600 || true`)}\n  - run: echo after-the-crash\ntest:\n  - run: "true"\n`;
  const { server, repo, name } = await setup(t, 'crash', { 'sluice.yaml': pipeline });
  const run = await firstRun(server, name, (r) => r.commit === repo.head());
  const orphan = await stepProcess(server, ['sleep', '600']);
  await server.kill9();
  // Sandboxed, the step does not outlive the killed server: bwrap runs --die-with-parent
  // (docs/decisions/0016-sandbox.md), so no orphan is left for the restarted server to end.
  await server.waitFor('the step to end with the killed server', async () => !alive(orphan), 10_000);
  await server.launch();
  const done = await waitId(server, run.id, 30_000);
  assert.equal(done.id, run.id);
  assert.ok(
    done.state === 'succeeded' || (done.state === 'failed' && /interrupted/.test(done.reason ?? '')),
    `the run ended by resumption or as interrupted: ${JSON.stringify(done)}`,
  );
  assert.equal(done.state, 'succeeded', 'one interruption is resumed');
  assert.equal(done.attempt, 2);
  assert.equal(alive(orphan), false, 'the orphaned sleep was ended');
  const lines = (await allLogs(server, run.id)).map((l) => l.line);
  assert.ok(lines.some((l) => /resum/.test(l)), 'the log says the run resumed');
  assert.equal(lines.filter((l) => l === 'after-the-crash').length, 1);
  // The run is the same run, not a new one: no other run of the commit exists.
  const runs = await server.json<FullRun[]>(['runs', name]);
  assert.deepEqual(
    runs.filter((r) => r.commit === repo.head()).map((r) => r.id),
    [run.id],
  );
});

void test('a run interrupted again and again fails with the reason `interrupted`', async (t) => {
  const pipeline = 'build:\n  - run: sleep 600\ntest:\n  - run: "true"\n';
  const { server, repo, name } = await setup(t, 'interrupted', { 'sluice.yaml': pipeline });
  const run = await firstRun(server, name, (r) => r.commit === repo.head());
  const seen: number[] = [];
  let done: FullRun | undefined;
  for (let kill = 1; kill <= 5; kill++) {
    const pid = await stepProcess(server, ['sleep', '600'], seen);
    seen.push(pid);
    await server.kill9();
    await server.launch();
    const now = await server.waitFor('the run to be recovered', async () => {
      const r = await server.json<FullRun>(['run', run.id]);
      return r.state !== 'running' || r.attempt > kill ? r : null;
    });
    if (now.state === 'failed') {
      done = now;
      break;
    }
  }
  assert.ok(done, 'the run failed after repeated interruptions');
  assert.equal(done.reason, 'interrupted');
  assert.equal(done.id, run.id);
  for (const s of done.stages) assert.notEqual(s.state, 'running');
  await server.waitFor('every orphaned sleep to be gone', async () => seen.every((p) => !alive(p)), 10_000);
});

/** A second `sluice server` on an existing data directory (it adopts the running data plane). */
async function secondServer(dataDir: string, routerPort: number): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [bin, 'server', '--data', dataDir, '--port', String(port), '--router-port', String(routerPort), '--poll-interval', '1s', '--sandbox', 'bwrap'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 20_000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`second server exited ${child.exitCode}: ${log}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, stop };
    } catch {
      // not yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`second server did not answer: ${log}`);
}

void test('two servers on one data directory execute each run exactly once', async (t) => {
  // Each execution records its run id with the test (over loopback HTTP: steps are sandboxed).
  const signals = await StepSignals.start(t);
  const pipeline = `build:\n  - run: ${JSON.stringify(`${signals.record('executions', '"$SLUICE_RUN_ID"')}; echo BUILD-MARKER; sleep 1`)}\ntest:\n  - run: "true"\n`;
  const a = await TestServer.start();
  const repo = new TestRepo({ 'sluice.yaml': pipeline });
  const second: { server?: Awaited<ReturnType<typeof secondServer>> } = {};
  // b ends first; a then closes the data plane both share.
  t.after(async () => {
    await second.server?.stop();
    await a.close();
    repo.remove();
  });
  const name = 'twice';
  assert.equal((await a.cli(['project', 'add', name, '--repo', repo.dir])).code, 0);
  second.server = await secondServer(a.dataDir, a.routerPort);
  const bUrl = second.server.url;
  const branches = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
  for (const br of branches) repo.git('branch', br);
  const ids: string[] = [];
  for (const [i, br] of branches.entries()) {
    // Both servers share the data directory and its store, so a's admin token works on b.
    const r = await runCli(['trigger', name, '--ref', br, '--json'], { server: i % 2 ? bUrl : a.url, token: a.token() ?? null });
    assert.equal(r.code, 0, r.stderr);
    ids.push((JSON.parse(r.stdout) as FullRun).id);
  }
  const all = await a.json<FullRun[]>(['runs', name]);
  for (const r of all) if (!ids.includes(r.id)) ids.push(r.id);
  const ended: FullRun[] = [];
  for (const id of ids) ended.push(await waitId(a, id, 120_000));
  for (const r of ended) {
    assert.equal(r.state, 'succeeded', JSON.stringify(r));
    const markers = (await allLogs(a, r.id)).filter((l) => l.stream === 'stdout' && l.line === 'BUILD-MARKER');
    assert.equal(markers.length, 1, `run #${r.number} built once`);
  }
  const executed = [...signals.records('executions')].sort();
  assert.deepEqual(executed, [...ids].sort(), 'every run executed exactly once');
  // The second server sees the same runs.
  const seenByB = (await runCli(['runs', name, '--json'], { server: bUrl, token: a.token() ?? null })).stdout;
  assert.equal((JSON.parse(seenByB) as FullRun[]).length, all.length);
});
