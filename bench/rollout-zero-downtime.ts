// bench/rollout-zero-downtime: a bounded load (≥ 500 rps on 127.0.0.1) through promotions and
// aborts of each strategy, one project per strategy (2 instances each, the acceptance app):
//   rolling:   K deploys of good versions;
//   canary:    K good versions promoted by the analysis (one step {weight: 50, pause: 1s},
//              interval 1s, minSamples 20) alternating with K bad versions (10% 500s, a long
//              pause, no analysis) aborted with `sluice abort` once they answer;
//   blueGreen: K switches (verify checks the preview answers the new VERSION) alternating with
//              K aborts (a version answering only 500s fails its verify; users never see it).
// The load follows the strategy under test. A request counts as failed when it errors, or
// answers anything but a 200 from a known version, or a 500 from a deliberately bad version
// (those are counted apart: caused by the bad version itself). Target: 0 failed.
// Options: --k K (3; the issue's figure is 10), --rps R (500), --connections C (32).
import { TestServer, type RunJson } from '../test/e2e/harness.ts';
import type { TestRepo } from '../test/e2e/harness.ts';
import { benchMain, machine, ms, quantile, secs, sleep, waitRunOf } from './bench-kit.ts';
import { answeredBy, appProject, noPolling, commitVersion, nowMs, numberArg, RecordingLoad, waitUntil, type AppVersion, type RolloutJson, type Sample } from './rollout-kit.ts';

const K = numberArg('--k', 3);
const RPS = numberArg('--rps', 500);
const CONNECTIONS = numberArg('--connections', 32);

const head = ['build:', '  - run: "true"', 'test:', '  - run: "true"', 'services:', '  web:', '    start: node server.js', '    health: /healthz', '    instances: 2', 'environments:', '  production:', '    bake: 0'];
const yamls = {
  rolling: [...head, '    strategy: rolling', ''].join('\n'),
  canaryGood: [...head, '    strategy:', '      canary:', '        steps: [{ weight: 50, pause: 1s }]', '        analysis: { minSamples: 20, interval: 1s }', ''].join('\n'),
  canaryHold: [...head, '    strategy:', '      canary:', '        steps: [{ weight: 50, pause: 30m }]', ''].join('\n'),
  blueGreen: [
    ...head,
    '    strategy: { blueGreen: { scaleDownDelay: 3s } }',
    '    verify:',
    '      - run: test "$(curl -fsS "$SLUICE_URL/")" = "$(cat VERSION)"',
    '',
  ].join('\n'),
};

type Strategy = 'rolling' | 'canary' | 'blueGreen';
const projects: Record<Strategy, string> = { rolling: 'zr', canary: 'zc', blueGreen: 'zb' };
const hostOf = (s: Strategy): string => `production.${projects[s]}.localhost`;

interface Phase {
  label: string;
  from: number;
  to: number;
}

await benchMain('rollout-zero-downtime', 120_000 + K * 60_000, async (onCleanup) => {
  console.log(`rollout-zero-downtime · ${machine()}`);
  const server = await TestServer.start(noPolling);
  onCleanup(() => server.close());
  const good = new Set<string>();
  const bad = new Set<string>();
  const repos = {} as Record<Strategy, TestRepo>;
  for (const s of ['rolling', 'canary', 'blueGreen'] as const) {
    const v0 = `${projects[s]}-v0`;
    good.add(v0);
    repos[s] = await appProject(server, projects[s], { version: v0, failPercent: 0, yaml: s === 'rolling' ? yamls.rolling : s === 'canary' ? yamls.canaryGood : yamls.blueGreen });
    onCleanup(() => repos[s].remove());
  }

  const load = new RecordingLoad(server.routerPort, hostOf('rolling'), { rps: RPS, connections: CONNECTIONS, maxRequests: 5_000_000, limitMs: 60 * 60_000 });
  onCleanup(() => load.stop());
  const phases: Phase[] = [];
  let phase: Phase = { label: 'warm-up', from: nowMs(), to: Number.POSITIVE_INFINITY };
  const enter = (label: string): void => {
    phase.to = nowMs();
    phases.push(phase);
    phase = { label, from: nowMs(), to: Number.POSITIVE_INFINITY };
  };
  const t0 = nowMs();
  load.start();
  await sleep(1500);
  const outcomes: string[] = [];

  const deploy = async (s: Strategy, v: AppVersion, expect: 'succeeded' | 'failed', between?: () => Promise<void>): Promise<void> => {
    const project = projects[s];
    (v.failPercent > 0 ? bad : good).add(v.version);
    const since = nowMs();
    const sha = await commitVersion(server, project, repos[s], v);
    if (between) {
      await waitUntil(`${v.version} answering`, 60_000, () => load.between(since).some((x) => answeredBy(x) === v.version));
      await between();
    }
    const run = await waitRunOf<RunJson>(server, project, sha, 90_000);
    const { body: rollout } = await server.api<RolloutJson>('GET', `/api/projects/${project}/environments/production/rollout`);
    const line = `${s.padEnd(9)} ${v.version.padEnd(8)} run ${run.state.padEnd(9)} rollout ${rollout.state.padEnd(8)} in ${secs(nowMs() - since)}${rollout.reason ? ` · ${rollout.reason.slice(0, 110)}` : ''}`;
    outcomes.push(`${run.state === expect ? 'ok ' : 'UNEXPECTED'} ${line}`);
    console.log(`  ${line} · ${load.sent} sent so far`);
  };

  for (const s of ['rolling', 'canary', 'blueGreen'] as const) {
    enter(`${s}: idle`);
    load.host = hostOf(s);
    await sleep(1000);
    for (let i = 1; i <= K; i++) {
      const gv = `${projects[s]}-g${i}`;
      enter(`${s}: ${s === 'rolling' ? 'deploy' : s === 'canary' ? 'promote' : 'switch'} ${gv}`);
      await deploy(s, { version: gv, failPercent: 0, yaml: s === 'rolling' ? yamls.rolling : s === 'canary' ? yamls.canaryGood : yamls.blueGreen }, 'succeeded');
      if (s === 'rolling') continue;
      const bv = `${projects[s]}-b${i}`;
      enter(`${s}: abort ${bv}`);
      if (s === 'canary') {
        await deploy(s, { version: bv, failPercent: 10, yaml: yamls.canaryHold }, 'failed', async () => {
          const r = await server.cli(['abort', projects.canary, '--env', 'production']);
          if (r.code !== 0) throw new Error(`sluice abort: ${r.stderr}`);
        });
      } else {
        await deploy(s, { version: bv, failPercent: 100, yaml: yamls.blueGreen }, 'failed');
      }
    }
    enter(`${s}: cool-down`);
    await sleep(s === 'blueGreen' ? 8500 : 1500); // blue's scaleDownDelay (3 s) + the 5 s housekeeping tick pass under load
  }
  phase.to = nowMs();
  phases.push(phase);
  await load.stop();
  const seconds = (nowMs() - t0) / 1000;

  const phaseOf = (x: Sample): string => phases.find((p) => x.sent >= p.from && x.sent < p.to)?.label ?? '?';
  const classify = (x: Sample): 'ok' | 'bad-version' | 'failed' => {
    if (x.error) return 'failed';
    const who = answeredBy(x);
    if (x.status === 200 && who !== null && (good.has(x.body) || bad.has(x.body))) return 'ok';
    if (x.status === 500 && who !== null && bad.has(who) && x.body === `error from ${who}`) return 'bad-version';
    return 'failed';
  };
  console.log(`\nK = ${K} per strategy; load ${CONNECTIONS} keep-alive connections paced at ${RPS} rps via 127.0.0.1:${server.routerPort}, following the strategy under test`);
  console.log(`  ${'strategy'.padEnd(10)} ${'sent'.padStart(8)} ${'ok'.padStart(8)} ${'bad-version 500s'.padStart(17)} ${'FAILED (not the bad version)'.padStart(29)}   rps     p50     p99`);
  let failedTotal = 0;
  let sentTotal = 0;
  const failures: Sample[] = [];
  for (const s of ['rolling', 'canary', 'blueGreen'] as const) {
    const xs = load.samples.filter((x) => x.host === hostOf(s));
    const c = { ok: 0, 'bad-version': 0, failed: 0 };
    for (const x of xs) {
      const k = classify(x);
      c[k]++;
      if (k === 'failed') failures.push(x);
    }
    failedTotal += c.failed;
    sentTotal += xs.length;
    const span = (Math.max(...xs.map((x) => x.sent)) - Math.min(...xs.map((x) => x.sent))) / 1000;
    const lat = xs.filter((x) => !x.error).map((x) => x.done - x.sent);
    console.log(
      `  ${s.padEnd(10)} ${String(xs.length).padStart(8)} ${String(c.ok).padStart(8)} ${String(c['bad-version']).padStart(17)} ${String(c.failed).padStart(29)}` +
        `   ${(xs.length / span).toFixed(0).padStart(3)} ${ms(quantile(lat, 0.5), 1).padStart(8)} ${ms(quantile(lat, 0.99), 1).padStart(8)}`,
    );
  }
  console.log(`  ${'all'.padEnd(10)} ${String(sentTotal).padStart(8)} over ${seconds.toFixed(0)} s (${(sentTotal / seconds).toFixed(0)} rps)    failed not caused by a bad version: ${failedTotal} (target 0: ${failedTotal === 0 ? 'met' : 'MISSED'})`);
  console.log('\nrollouts:');
  for (const o of outcomes) console.log(`  ${o}`);
  if (failures.length) {
    console.log(`\nfailures (first 40 of ${failures.length}):`);
    for (const x of failures.slice(0, 40)) console.log(`  ${new Date(x.sent).toISOString()} [${phaseOf(x)}] status ${x.status} ${x.body.slice(0, 120)}`);
  }
});
