// Repeated looks at accumulating data: the alpha-spending schedule must keep the chance that an
// A/A comparison EVER fails within alpha, where a naive per-look test at alpha does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, type AnalysisConfig, type Decision, type WindowStats } from '../../src/analysis/index.ts';
import { normalSf } from '../../src/analysis/special-functions.ts';
import { cumulative, discreteSampler, mulberry32, routerBounds } from './synthetic.ts';

const cfg: AnalysisConfig = { maxErrorRate: null, maxP99Ms: null, minSamples: 100, alpha: 0.05 };
const looks = 20;
const perLook = 500; // new requests per arm between looks

/** Binomial(n, p) draws by inversion of a precomputed CDF: one uniform per draw. */
function binomialSampler(n: number, p: number): (rand: () => number) => number {
  const probs: number[] = [];
  let pmf = (1 - p) ** n;
  for (let k = 0; k <= n && (k < n * p || pmf > 1e-18); k++) {
    probs.push(pmf);
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return discreteSampler(probs);
}

function run(experiments: number, seed: number, canaryRate: number, baselineRate: number): { corrected: number; naive: number } {
  const rand = mulberry32(seed);
  const drawCanary = binomialSampler(perLook, canaryRate);
  const drawBaseline = binomialSampler(perLook, baselineRate);
  const none = { bounds: [], counts: [0] };
  let corrected = 0;
  let naive = 0;
  for (let e = 0; e < experiments; e++) {
    const c: WindowStats = { requests: 0, errors: 0, latency: none };
    const b: WindowStats = { requests: 0, errors: 0, latency: none };
    let correctedFailed = false;
    let naiveFailed = false;
    for (let look = 1; look <= looks; look++) {
      c.requests += perLook;
      b.requests += perLook;
      c.errors += drawCanary(rand);
      b.errors += drawBaseline(rand);
      const d = judge(c, b, cfg, look).decisions.find((x) => x.metric === 'errorRate')!;
      if (d.verdict === 'fail') correctedFailed = true;
      if (d.pValue !== null && d.pValue < cfg.alpha!) naiveFailed = true;
    }
    if (correctedFailed) corrected++;
    if (naiveFailed) naive++;
  }
  return { corrected: corrected / experiments, naive: naive / experiments };
}

void describe('analysis: sequential validity', () => {
  void it('2000 A/A experiments at 1% errors, 20 looks: ever-fail ≤ alpha; naive per-look testing exceeds it', (t) => {
    const { corrected, naive } = run(2000, 2024, 0.01, 0.01);
    t.diagnostic(`A/A error rate: ever-fail ${corrected} (alpha spending), ${naive} (naive)`);
    assert.ok(corrected <= 0.05 + 0.01, `corrected false-fail rate ${corrected}`);
    // The simulation can see the problem: testing every look at alpha fails A/A too often.
    assert.ok(naive > 0.05, `naive false-fail rate ${naive}`);
    assert.ok(naive > corrected);
  });

  void it('the correction keeps power: 2% vs 1% errors is caught within 20 looks nearly always', (t) => {
    const { corrected } = run(500, 99, 0.02, 0.01);
    t.diagnostic(`2% vs 1%: detected in ${corrected}`);
    assert.ok(corrected >= 0.9, `detection rate ${corrected}`);
  });

  void it('latency A/A over 20 looks: ever-fail ≤ alpha; naive exceeds it', (t) => {
    // Both arms: the same lognormal (median 20ms, σ 0.6) over the router's buckets.
    const probs = [...routerBounds, Infinity].map((bound, i, all) => {
      const cdf = (x: number): number => (x === Infinity ? 1 : 1 - normalSf(Math.log(x / 20) / 0.6));
      return cdf(bound) - (i === 0 ? 0 : cdf(all[i - 1]!));
    });
    const draw = discreteSampler(probs);
    const rand = mulberry32(7);
    const experiments = 1000;
    let corrected = 0;
    let naive = 0;
    for (let e = 0; e < experiments; e++) {
      const perBucket = [new Array<number>(probs.length).fill(0), new Array<number>(probs.length).fill(0)];
      let correctedFailed = false;
      let naiveFailed = false;
      for (let look = 1; look <= looks; look++) {
        for (const arm of perBucket) for (let i = 0; i < perLook; i++) arm[draw(rand)]!++;
        const [c, b] = perBucket.map((arm): WindowStats => ({
          requests: look * perLook,
          errors: 0,
          latency: { bounds: routerBounds, counts: cumulative(arm) },
        }));
        const d: Decision = judge(c!, b!, cfg, look).decisions.find((x) => x.metric === 'latency')!;
        if (d.pValue! < d.threshold!) correctedFailed = true; // significance alone, before the min effect
        if (d.pValue! < cfg.alpha!) naiveFailed = true;
      }
      if (correctedFailed) corrected++;
      if (naiveFailed) naive++;
    }
    t.diagnostic(`A/A latency: ever-significant ${corrected / experiments} (alpha spending), ${naive / experiments} (naive)`);
    assert.ok(corrected / experiments <= 0.05 + 0.015, `corrected ${corrected / experiments}`);
    assert.ok(naive / experiments > 0.05, `naive ${naive / experiments}`);
  });
});
