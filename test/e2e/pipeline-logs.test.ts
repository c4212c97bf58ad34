// Run logs: stdout and stderr lines kept in order with their stream, `logs --follow` streaming
// lines as they come and ending by itself with the run, and a step printing megabytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { adminTokenOf, bin, root } from './harness.ts';
import { allLogs, firstRun, setup, type LogJson } from './pipeline-kit.ts';
import { StepSignals } from './step-signals.ts';

const ordered = `build:
  - name: talk
    run: echo out-1; sleep 0.3; echo err-1 >&2; sleep 0.3; echo out-2; sleep 0.3; echo err-2 >&2
test:
  - run: echo tested
`;

interface Chunk {
  at: number;
  text: string;
}

/** `sluice logs ID --follow` as a child process, with the time each stdout chunk arrived. */
function follow(server: string, id: string, timeoutMs: number, onChunk: (text: string) => void = () => {}): Promise<{ code: number | null; chunks: Chunk[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'logs', id, '--follow'], { cwd: root, env: { ...process.env, SLUICE_SERVER: server, SLUICE_TOKEN: adminTokenOf(server) ?? '', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Chunk[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      chunks.push({ at: Date.now(), text: d.toString() });
      onChunk(chunks.map((c) => c.text).join(''));
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`logs --follow did not exit within ${timeoutMs} ms; got ${JSON.stringify(chunks)} ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, chunks, stderr });
    });
  });
}

void test('logs keep stdout and stderr lines in order; --follow streams them and ends with the run', async (t) => {
  const { server, repo, name } = await setup(t, 'logs', { 'sluice.yaml': ordered });
  const run = await server.waitRun(name, repo.head());
  assert.equal(run.state, 'succeeded', JSON.stringify(run));

  const lines = await server.jsonLines<LogJson>(['logs', run.id]);
  const talk = lines.filter((l) => /^(out|err)-\d$/.test(l.line)).map((l) => `${l.stream}:${l.line}`);
  assert.deepEqual(talk, ['stdout:out-1', 'stderr:err-1', 'stdout:out-2', 'stderr:err-2']);
  for (const l of lines) assert.ok(!Number.isNaN(Date.parse(l.at)), `line has a timestamp: ${JSON.stringify(l)}`);
  const ats = lines.map((l) => Date.parse(l.at));
  assert.deepEqual(ats, [...ats].sort((a, b) => a - b), 'timestamps do not go back');

  const text = await server.cli(['logs', run.id]);
  assert.equal(text.code, 0);
  const out = text.stdout.split('\n');
  const err = text.stderr.split('\n');
  assert.ok(out.indexOf('out-1') >= 0 && out.indexOf('out-1') < out.indexOf('out-2'), text.stdout);
  assert.ok(out.includes('tested'));
  assert.ok(!out.includes('err-1'), 'stderr lines go to stderr');
  assert.ok(err.indexOf('err-1') >= 0 && err.indexOf('err-1') < err.indexOf('err-2'), text.stderr);

  // A step that prints, waits, prints: it goes on only once --follow has shown its first line
  // (the test opens a gate then, over loopback HTTP: steps are sandboxed), so the line must have
  // streamed while the step still ran.
  const signals = await StepSignals.start(t);
  const step = `echo first-line; ${signals.waitFor('open', 600)} && echo second-line; true`;
  const sha = repo.commit('slow', { 'sluice.yaml': `build:\n  - run: ${JSON.stringify(step)}\ntest:\n  - run: "true"\n` });
  const slow = await firstRun(server, name, (r) => r.commit === sha);
  const followed = await follow(server.url, slow.id, 90_000, (text) => {
    if (text.split('\n').includes('first-line')) signals.openGate('open');
  });
  assert.equal(followed.code, 0, followed.stderr);
  const shown = followed.chunks.map((c) => c.text).join('').split('\n');
  assert.ok(shown.includes('second-line'), `the gate was opened while the step ran: ${JSON.stringify(followed.chunks)}`);
  assert.ok(shown.indexOf('first-line') < shown.indexOf('second-line'));
  assert.match(followed.stderr, /-- run succeeded/);

  // --follow of an ended run prints it all and exits.
  const again = await follow(server.url, run.id, 30_000);
  assert.equal(again.code, 0);
  assert.ok(again.chunks.map((c) => c.text).join('').includes('out-2'));
  // An unknown run is an error, not an endless stream.
  const missing = await server.cli(['logs', 'no-such-run', '--follow'], { timeoutMs: 20_000 });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not found/);
});

void test('a step printing 5 MB finishes, the server stays responsive, and every line is kept', async (t) => {
  const pipeline = `build:
  - name: loud
    run: yes 0123456789abcdef0123456789abcdef | head -c 5000000
test:
  - run: "true"
`;
  // Above the default per-step cap of 4 MiB (test/e2e/retention.test.ts covers the cut).
  const { server, repo, name } = await setup(t, 'loud', { 'sluice.yaml': pipeline }, { args: ['--run-log-step-max', '8MiB'] });
  const sha = repo.head();
  // Health answers throughout the run (each within a generous bound, not a speed claim).
  let healthChecks = 0;
  let done = false;
  const prober = (async () => {
    while (!done) {
      const res = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      healthChecks++;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  let run;
  try {
    run = await server.waitRun(name, sha, 120_000);
  } finally {
    done = true;
    await prober;
  }
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  assert.ok(healthChecks > 0);

  const full = Math.floor(5_000_000 / 33);
  const stdout = (await allLogs(server, run.id)).filter((l) => l.stream === 'stdout');
  assert.equal(stdout.filter((l) => l.line === '0123456789abcdef0123456789abcdef').length, full);
  assert.equal(stdout.at(-1)?.line, '01234', 'the unterminated last line is kept too');

  // The CLI prints every line, not a first page.
  const printed = await server.cli(['logs', run.id], { timeoutMs: 120_000 });
  assert.equal(printed.code, 0);
  assert.equal(printed.stdout.split('\n').filter((l) => l === '0123456789abcdef0123456789abcdef').length, full, '`sluice logs RUN` prints all lines');
});
