// bench/abort-latency: how fast an abort takes the canary out of traffic, under a steady load
// (~200 rps through the router). The acceptance app answers its VERSION, so every response
// says who served it.
//   manual: deploy a canary (one step, weight 20, a long pause), wait until it answers, POST
//     .../abort, and measure from the moment that call returns to (a) the send time of the last
//     request the canary answered (after it, no request reaches the canary) and (b) the moment
//     the last canary answer arrived.
//   analysis fails: the canary returns 500 on FAIL_PERCENT % of requests and the analysis
//     (interval 1 s) aborts it; measured from the failing decision's `at` (rollout --json).
// A manual abort is sent at a seeded random moment 0.2..1.5 s after the canary first answers.
// Options: --aborts N (20; the issue's figure is 50), --fail-aborts N (10), --rps R (200),
// --connections C (8), --fail-percent P (50), --seed S (7).
import { TestServer, type RunJson } from '../test/e2e/harness.ts';
import { benchMain, machine, median, ms, sleep, waitRunOf } from './bench-kit.ts';
import { answeredBy, appProject, noPolling, explain, mulberry32, commitVersion, nowMs, numberArg, RecordingLoad, waitUntil, type RolloutJson, type Sample } from './rollout-kit.ts';

const ABORTS = numberArg('--aborts', 20);
const FAIL_ABORTS = numberArg('--fail-aborts', 10);
const RPS = numberArg('--rps', 200);
const CONNECTIONS = numberArg('--connections', 8);
const FAIL_PERCENT = numberArg('--fail-percent', 50);
const project = 'ab';
const rand = mulberry32(numberArg('--seed', 7));
const host = `production.${project}.localhost`;

const yaml = (analysis: boolean): string =>
  [
    'build:',
    '  - run: "true"',
    'test:',
    '  - run: "true"',
    'services:',
    '  web:',
    '    start: node server.js',
    '    health: /healthz',
    'environments:',
    '  production:',
    '    strategy:',
    '      canary:',
    '        steps: [{ weight: 20, pause: 30m }]',
    ...(analysis ? ['        analysis: { minSamples: 20, interval: 1s }'] : []),
    '',
  ].join('\n');

interface Measured {
  version: string;
  /** The reference moment: abort call returned, or the failing decision's `at`. */
  from: number;
  lastSent: number;
  lastDone: number;
  /** Canary answers to requests sent after the reference moment. */
  lateAnswers: number;
  /** Reference moment → the rollout's finishedAt (traffic switched and verified, canary stopped). */
  finished: number;
  failedOther: Sample[];
}

function measure(load: RecordingLoad, version: string, since: number, from: number, finishedAt: string | null): Measured {
  const mine = load.between(since).filter((s) => s.done > 0 && answeredBy(s) === version);
  const lastSent = Math.max(...mine.map((s) => s.sent));
  const lastDone = Math.max(...mine.map((s) => s.done));
  // Anything but a 200 from a good version or a 500 from the deliberately failing one.
  const failedOther = load.between(since).filter((s) => s.done > 0 && (s.error || (s.status !== 200 && !(s.status === 500 && answeredBy(s) === version && version.startsWith('f')))));
  return { version, from, lastSent: lastSent - from, lastDone: lastDone - from, lateAnswers: mine.filter((s) => s.sent > from).length, finished: (finishedAt ? Date.parse(finishedAt) : Number.NaN) - from, failedOther };
}

const row = (label: string, xs: number[]): string => `  ${label.padEnd(58)} median ${ms(median(xs)).padStart(7)}   max ${ms(Math.max(...xs)).padStart(7)}   min ${ms(Math.min(...xs)).padStart(7)}`;

await benchMain('abort-latency', 60_000 + (ABORTS + FAIL_ABORTS) * 12_000, async (onCleanup) => {
  console.log(`abort-latency · ${machine()}`);
  const server = await TestServer.start(noPolling);
  onCleanup(() => server.close());
  const repo = await appProject(server, project, { version: 'v0', failPercent: 0, yaml: yaml(false) });
  onCleanup(() => repo.remove());
  const load = new RecordingLoad(server.routerPort, host, { rps: RPS, connections: CONNECTIONS, maxRequests: 2_000_000, limitMs: 30 * 60_000 });
  onCleanup(() => load.stop());
  const loadStart = nowMs();
  load.start();
  await waitUntil('the stable release answering', 10_000, () => load.samples.some((s) => s.status === 200 && s.body === 'v0'));

  const manual: Measured[] = [];
  const analysed: Measured[] = [];
  for (let i = 1; i <= ABORTS + FAIL_ABORTS; i++) {
    const failing = i > ABORTS;
    const version = failing ? `f${i - ABORTS}` : `c${i}`;
    const since = nowMs();
    const sha = await commitVersion(server, project, repo, { version, failPercent: failing ? FAIL_PERCENT : 0, yaml: yaml(failing) });
    await waitUntil(`${version} answering`, 60_000, () => load.between(since).some((s) => answeredBy(s) === version));
    let from = Number.NaN;
    if (!failing) {
      // A random moment within the step, so the abort lands at any phase of the driver's loop.
      await sleep(200 + rand() * 1300);
      const r = await server.api<RolloutJson>('POST', `/api/projects/${project}/environments/production/abort`, {});
      from = nowMs();
      if (r.status !== 200) throw new Error(`abort ${version}: ${r.status} ${JSON.stringify(r.body)}`);
      if (process.argv.includes('--verbose')) console.log(`    abort → ${JSON.stringify({ ...r.body, decisions: undefined })}`);
    }
    const run = await waitRunOf<RunJson>(server, project, sha, 30_000).catch(async (error: unknown) => {
      await explain(server, project);
      throw error;
    });
    if (run.state !== 'failed') throw new Error(`${version}: run ${run.state}, expected failed (aborted)`);
    const { body: rollout } = await server.api<RolloutJson>('GET', `/api/projects/${project}/environments/production/rollout`);
    if (rollout.state !== 'aborted') throw new Error(`${version}: rollout ${rollout.state}`);
    if (failing) {
      const decision = rollout.decisions.find((d) => d.verdict === 'fail');
      if (!decision) throw new Error(`${version}: aborted without a failing decision: ${rollout.reason ?? ''}`);
      from = Date.parse(decision.at);
    }
    await sleep(300); // the canary's instances are stopped by now: nothing more can come from them
    const m = measure(load, version, since, from, rollout.finishedAt);
    (failing ? analysed : manual).push(m);
    console.log(
      `  ${failing ? 'analysis' : 'manual  '} ${version.padEnd(4)} last canary request sent ${ms(m.lastSent).padStart(7)}, last answer ${ms(m.lastDone).padStart(7)} after ${failing ? 'the failing decision' : 'abort returned'}` +
        ` · ${m.lateAnswers} canary answers to later requests · rollout finished +${ms(m.finished)}${m.failedOther.length ? ` · ${m.failedOther.length} OTHER FAILURES` : ''}${failing ? ` · ${rollout.reason?.slice(0, 90) ?? ''}` : ''}`,
    );
    for (const s of m.failedOther.slice(0, 5)) console.log(`      failed: sent ${ms(s.sent - from)} status ${s.status} ${s.body.slice(0, 100)}`);
  }
  await load.stop();
  const done = load.samples.filter((s) => s.done > 0);
  const seconds = (nowMs() - loadStart) / 1000;
  const other = load.samples.filter((s) => s.error || (s.status !== 200 && !(s.status === 500 && /^error from f\d+$/.test(s.body))));

  console.log(`\nload: ${load.sent} requests to http://${host}/ via 127.0.0.1:${server.routerPort} over ${seconds.toFixed(0)} s (${(done.length / seconds).toFixed(0)} rps achieved, target ${RPS}), ${CONNECTIONS} keep-alive connections`);
  console.log(`      failed requests not caused by a failing canary: ${other.length}`);
  for (const s of other.slice(0, 20)) console.log(`        ${new Date(s.sent).toISOString()} status ${s.status} ${s.body.slice(0, 100)}`);
  if (manual.length) {
    console.log(`\n${manual.length} manual aborts (POST .../abort; canary at weight 20 + baseline 20):`);
    console.log(row('abort returned → last request that reached the canary (sent)', manual.map((m) => m.lastSent)));
    console.log(row('abort returned → last canary answer received', manual.map((m) => m.lastDone)));
    console.log(row('abort returned → rollout finished (switched, canary stopped)', manual.map((m) => m.finished)));
    const max = Math.max(...manual.map((m) => m.lastDone));
    console.log(`  target: maximum under 1 s → ${max < 1000 ? 'met' : 'MISSED'} (${ms(max)} to the last canary answer)`);
  }
  if (analysed.length) {
    console.log(`\n${analysed.length} aborts by the analysis (canary ${FAIL_PERCENT}% 500s, interval 1 s, minSamples 20):`);
    console.log(row('failing decision at → last request that reached the canary', analysed.map((m) => m.lastSent)));
    console.log(row('failing decision at → last canary answer received', analysed.map((m) => m.lastDone)));
    console.log(row('failing decision at → rollout finished', analysed.map((m) => m.finished)));
    const max = Math.max(...analysed.map((m) => m.lastDone));
    console.log(`  target: maximum under 1 s → ${max < 1000 ? 'met' : 'MISSED'} (${ms(max)} to the last canary answer)`);
  }
});
