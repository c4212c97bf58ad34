// bench/pipeline-overhead: the platform's own cost per run. A project whose four steps are all
// `true` (2 build, 2 test, no services) is triggered N times through the API, one run after
// the other; each run's duration minus the sum of its steps' durations is Sluice's overhead.
// Beside it, interleaved in the same run, the same work by hand: `git clone` + the 4 steps
// with `sh -c`. Options: --runs N (20).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestRepo, TestServer, tempDir } from '../test/e2e/harness.ts';
import { benchMain, execFileAsync, isoMs, machine, ms, sleep, summary } from './bench-kit.ts';

const runsArg = process.argv.indexOf('--runs');
const N = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const steps = ['true', 'true', 'true', 'true'];
const pipeline = `build:
  - { name: b1, run: "true" }
  - { name: b2, run: "true" }
test:
  - { name: t1, run: "true" }
  - { name: t2, run: "true" }
`;

interface RunView {
  id: string;
  state: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  stages: Array<{ name: string; startedAt: string | null; finishedAt: string | null; steps?: Array<{ startedAt: string | null; finishedAt: string | null }> }>;
}

const terminal = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);

async function waitEnd(server: TestServer, id: string): Promise<RunView> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { body } = await server.api<RunView>('GET', `/api/runs/${id}`);
    if (terminal.has(body.state)) return body;
    await sleep(25);
  }
  throw new Error(`run ${id} did not end within 30 s`);
}

function sh(cmd: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** The same work without Sluice: clone the commit, run the steps; returns [total, steps] ms. */
async function byHand(repoDir: string): Promise<[number, number]> {
  const dir = tempDir('hand');
  try {
    const t0 = performance.now();
    await execFileAsync('git', ['clone', '--quiet', repoDir, path.join(dir, 'ws')]);
    const s0 = performance.now();
    for (const step of steps) await sh(step, path.join(dir, 'ws'));
    const t1 = performance.now();
    return [t1 - t0, t1 - s0];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const dur = (a: string | null | undefined, b: string | null | undefined): number => isoMs(b) - isoMs(a);

await benchMain('pipeline-overhead', 170_000, async (onCleanup) => {
  console.log(`pipeline-overhead · ${machine()}`);
  const repo = new TestRepo({ 'sluice.yaml': pipeline });
  onCleanup(() => repo.remove());
  // A long poll interval: every run here comes from the API, none from the poller.
  const server = await TestServer.start(['--poll-interval', '1h']);
  onCleanup(() => server.close());
  const added = await server.api('POST', '/api/projects', { name: 'overhead', repo: repo.dir });
  if (added.status !== 201) throw new Error(`project add: ${added.status} ${JSON.stringify(added.body)}`);
  // The first run (from registration) warms everything up; it is not counted.
  const warm = await server.waitRun('overhead', repo.head());
  if (warm.state !== 'succeeded') throw new Error(`warm-up run ${warm.state}: ${warm.reason ?? ''}`);
  await byHand(repo.dir);

  const rows: Array<{ run: number; total: number; started: number; created: number; steps: number; client: number; stages: Record<string, number> }> = [];
  const hand: Array<[number, number]> = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const trig = await server.api<RunView>('POST', '/api/projects/overhead/trigger', {});
    if (trig.status !== 201) throw new Error(`trigger: ${trig.status} ${JSON.stringify(trig.body)}`);
    const run = await waitEnd(server, trig.body.id);
    const client = performance.now() - t0;
    if (run.state !== 'succeeded') throw new Error(`run ${run.id} ${run.state}`);
    const stepSum = run.stages.flatMap((s) => s.steps ?? []).reduce((a, s) => a + dur(s.startedAt, s.finishedAt), 0);
    rows.push({
      run: dur(run.startedAt, run.finishedAt),
      total: dur(run.createdAt, run.finishedAt),
      started: dur(run.startedAt, run.finishedAt) - stepSum,
      created: dur(run.createdAt, run.finishedAt) - stepSum,
      steps: stepSum,
      client,
      stages: Object.fromEntries(run.stages.map((s) => [s.name, dur(s.startedAt, s.finishedAt)])),
    });
    hand.push(await byHand(repo.dir));
  }

  const line = (label: string, xs: number[]): void => {
    const s = summary(xs);
    console.log(`  ${label.padEnd(46)} median ${ms(s.median).padStart(8)}   p90 ${ms(s.p90).padStart(8)}   min ${ms(s.min).padStart(8)}   max ${ms(s.max).padStart(8)}`);
  };
  console.log(`\nSluice: ${N} runs triggered through the API, one after another (2 build + 2 test steps, all \`true\`)`);
  line('run duration (startedAt→finishedAt)', rows.map((r) => r.run));
  line('run duration (createdAt→finishedAt)', rows.map((r) => r.total));
  line('sum of step durations', rows.map((r) => r.steps));
  line('OVERHEAD = run duration − steps', rows.map((r) => r.started));
  line('overhead incl. queueing (createdAt→finishedAt)', rows.map((r) => r.created));
  line('client: POST trigger → end seen (25 ms polls)', rows.map((r) => r.client));
  for (const name of Object.keys(rows[0]?.stages ?? {})) line(`  stage ${name}`, rows.map((r) => r.stages[name] ?? Number.NaN));
  console.log(`\nBy hand: ${N} × (git clone + 4 × sh -c true), interleaved with the runs above`);
  line('clone + steps', hand.map((h) => h[0]));
  line('steps alone', hand.map((h) => h[1]));
  const sluice = summary(rows.map((r) => r.total)).median;
  const manual = summary(hand.map((h) => h[0])).median;
  const overhead = summary(rows.map((r) => r.started)).median;
  console.log(`\nmedian Sluice run (createdAt→finishedAt) ${ms(sluice)} vs by hand ${ms(manual)}: ratio ${(sluice / manual).toFixed(1)}×`);
  console.log(`median platform overhead per run: ${ms(overhead)} (target < 1000 ms on 2 cores: ${overhead < 1000 ? 'met' : 'MISSED'})`);
});
