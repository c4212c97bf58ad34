// bench/analysis-accuracy: the canary judge (src/analysis judge()) alone, on seeded synthetic
// streams. Each run feeds both arms 500 more requests per look (looks 1..40, so at most 20,000
// per arm), thresholds off, the engine's default alpha and minSamples, the router's histogram
// bounds, lognormal latency. A run "aborts" at the first look whose verdict is `fail`; a run
// that never fails is a miss in the detection scenarios, whether it ended `pass` or
// `inconclusive`. Beside the engine's alpha-spending rule, the same judge with a constant
// per-look alpha (a naive repeated p-value) shows why the sequential correction matters.
// Options: --runs N (1000), --seed S (1), --per-look N (500), --max-per-arm N (20000),
// --alpha A (engine default), --median-ms M (20), --sigma S (0.5).
import { performance } from 'node:perf_hooks';
import { judge, type AnalysisConfig, type WindowStats } from '../src/analysis/index.ts';
import { normalSf } from '../src/analysis/special-functions.ts';
import { latencyBoundsMs } from '../src/router/edge/release-stats.ts';
import { SPEC_DEFAULTS } from '../src/spec/spec.ts';
import { benchMain, machine, median, quantile } from './bench-kit.ts';
import { mulberry32, numberArg, wilson } from './rollout-kit.ts';

const RUNS = numberArg('--runs', 1000);
const SEED = numberArg('--seed', 1);
const PER_LOOK = numberArg('--per-look', 500);
const MAX_PER_ARM = numberArg('--max-per-arm', 20_000);
const ALPHA = numberArg('--alpha', SPEC_DEFAULTS.analysisAlpha);
const MEDIAN_MS = numberArg('--median-ms', 20);
const SIGMA = numberArg('--sigma', 0.5);
const LOOKS = Math.floor(MAX_PER_ARM / PER_LOOK);
const bounds = [...latencyBoundsMs];

/**
 * The router only keeps bucket counts, so a lognormal latency is drawn straight into its bucket:
 * P(X ≤ b) = Φ(ln(b / median) / σ). One uniform per request, exactly the binned distribution.
 */
function bucketCdf(medianMs: number, sigma: number): number[] {
  return bounds.map((b) => 1 - normalSf(Math.log(b / medianMs) / sigma));
}

interface Arm {
  errorRate: number;
  cdf: number[];
}

interface Scenario {
  name: string;
  canary: Arm;
  baseline: Arm;
  /** true: every abort is a false abort; false: an abort is a detection. */
  null: boolean;
}

const arm = (errorRate: number, latencyFactor: number): Arm => ({ errorRate, cdf: bucketCdf(MEDIAN_MS * latencyFactor, SIGMA) });
const scenarios: Scenario[] = [
  { name: 'identical versions (1% errors, same latency)', canary: arm(0.01, 1), baseline: arm(0.01, 1), null: true },
  { name: 'canary 2% errors vs baseline 1%', canary: arm(0.02, 1), baseline: arm(0.01, 1), null: false },
  { name: 'canary latency ×1.5 (1% errors both)', canary: arm(0.01, 1.5), baseline: arm(0.01, 1), null: false },
  // Beyond the issue: a smaller slowdown, just above the default minimum effect (×1.1 and +5 ms).
  { name: 'extra: canary latency ×1.25 (1% errors both)', canary: arm(0.01, 1.25), baseline: arm(0.01, 1), null: false },
];

/** A method: a config and how the look number is presented to judge(). */
interface Method {
  name: string;
  cfg: AnalysisConfig;
  look: (k: number) => number;
}

// judge() tests look k at alpha·6/(π²k²); presenting every look as look 1 with alpha' =
// a·π²/6 tests every look at exactly a: the naive repeated p-value, same tests, same min effect.
const naive = (perLook: number): Method => ({
  name: `naive: p < ${perLook} at every look`,
  cfg: { maxErrorRate: null, maxP99Ms: null, minSamples: SPEC_DEFAULTS.analysisMinSamples, alpha: (perLook * Math.PI * Math.PI) / 6 },
  look: () => 1,
});
const methods: Method[] = [
  { name: `engine: alpha spending, α=${ALPHA}`, cfg: { maxErrorRate: null, maxP99Ms: null, minSamples: SPEC_DEFAULTS.analysisMinSamples, alpha: ALPHA }, look: (k) => k },
  naive(0.05),
  naive(ALPHA),
];

interface Outcome {
  /** Requests per arm at the first failing look, or null. */
  abortAt: number | null;
  metric: string | null;
  /** Verdict at the last look when it never failed. */
  last: string;
}

function draw(rand: () => number, a: Arm, n: number, perBucket: number[]): number {
  let errors = 0;
  const cdf = a.cdf;
  for (let i = 0; i < n; i++) {
    if (rand() < a.errorRate) errors++;
    const u = rand();
    let b = 0;
    while (b < cdf.length && u >= cdf[b]!) b++;
    perBucket[b]!++;
  }
  return errors;
}

function stats(requests: number, errors: number, perBucket: number[]): WindowStats {
  let run = 0;
  return { requests, errors, latency: { bounds, counts: perBucket.map((c) => (run += c)) } };
}

function simulate(s: Scenario, seed: number): Outcome[][] {
  const rand = mulberry32(seed);
  const all: Outcome[][] = methods.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    const cb = new Array<number>(bounds.length + 1).fill(0);
    const bb = new Array<number>(bounds.length + 1).fill(0);
    let ce = 0;
    let be = 0;
    const out: Outcome[] = methods.map(() => ({ abortAt: null, metric: null, last: 'none' }));
    for (let k = 1; k <= LOOKS; k++) {
      ce += draw(rand, s.canary, PER_LOOK, cb);
      be += draw(rand, s.baseline, PER_LOOK, bb);
      const n = k * PER_LOOK;
      const c = stats(n, ce, cb);
      const b = stats(n, be, bb);
      let open = false;
      methods.forEach((m, i) => {
        const o = out[i]!;
        if (o.abortAt !== null) return;
        const j = judge(c, b, m.cfg, m.look(k));
        o.last = j.verdict;
        if (j.verdict === 'fail') {
          o.abortAt = n;
          o.metric = j.decisions.filter((d) => d.verdict === 'fail').map((d) => d.metric).join('+');
        } else open = true;
      });
      if (!open) break;
    }
    out.forEach((o, i) => all[i]!.push(o));
  }
  return all;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

await benchMain('analysis-accuracy', 30 * 60_000, async () => {
  console.log(`analysis-accuracy · ${machine()}`);
  console.log(
    `${RUNS} seeded runs per scenario (seed ${SEED}), ${PER_LOOK} new requests per arm per look, looks 1..${LOOKS} (≤ ${LOOKS * PER_LOOK} per arm),` +
      ` thresholds off, minSamples ${SPEC_DEFAULTS.analysisMinSamples}, latency lognormal median ${MEDIAN_MS} ms σ ${SIGMA} binned at the router's bounds [${bounds.join(',')}]`,
  );
  const verdicts: string[] = [];
  for (const [si, s] of scenarios.entries()) {
    const t0 = performance.now();
    const results = simulate(s, SEED * 1000 + si);
    console.log(`\n${s.name}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    console.log(`  ${'method'.padEnd(38)} ${(s.null ? 'false aborts' : 'detected').padEnd(16)} ${'95% Wilson CI'.padEnd(18)} requests/arm to abort: median  p90    max`);
    results.forEach((outs, i) => {
      const m = methods[i]!;
      const aborted = outs.filter((o) => o.abortAt !== null);
      const at = aborted.map((o) => o.abortAt!);
      const ci = wilson(aborted.length, outs.length);
      const byMetric = new Map<string, number>();
      for (const o of aborted) byMetric.set(o.metric!, (byMetric.get(o.metric!) ?? 0) + 1);
      const lastOfMisses = new Map<string, number>();
      for (const o of outs) if (o.abortAt === null) lastOfMisses.set(o.last, (lastOfMisses.get(o.last) ?? 0) + 1);
      const rate = `${aborted.length}/${outs.length} ${pct(aborted.length / outs.length)}`;
      const fig = (x: number): string => (Number.isNaN(x) ? '-' : String(x)).padStart(6);
      console.log(
        `  ${m.name.padEnd(38)} ${rate.padEnd(16)} [${pct(ci.low)}, ${pct(ci.high)}]`.padEnd(78) +
          `${fig(median(at))} ${fig(quantile(at, 0.9))} ${fig(at.length ? Math.max(...at) : Number.NaN)}` +
          `   by metric ${JSON.stringify(Object.fromEntries(byMetric))}, never failed → last verdict ${JSON.stringify(Object.fromEntries(lastOfMisses))}`,
      );
      if (i !== 0) return;
      if (s.null) {
        const ok = aborted.length / outs.length <= 0.01 && ci.high < 0.02;
        verdicts.push(`${s.name}: false-abort ${pct(aborted.length / outs.length)} (CI upper ${pct(ci.high)}); target ≤ 1% with upper bound < 2%: ${ok ? 'met' : 'MISSED'}`);
      } else {
        const rateDet = aborted.length / outs.length;
        verdicts.push(`${s.name}: detected ${pct(rateDet)} (inconclusive counts as a miss), median ${median(at)} requests/arm to decide${s.name.includes('errors') ? `; target ≥ 95%: ${rateDet >= 0.95 ? 'met' : 'MISSED'}` : ''}`);
      }
    });
  }
  console.log('\nsummary (engine rule):');
  for (const v of verdicts) console.log(`  ${v}`);
});
