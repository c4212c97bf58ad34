import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alphaForLook, fisherExactGreater, mannWhitneyBinned, twoProportionZTest } from '../../src/analysis/index.ts';
import { normalSf } from '../../src/analysis/special-functions.ts';
import { mulberry32 } from './synthetic.ts';

const close = (actual: number, expected: number, relTol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= relTol * Math.abs(expected), `${what} ${actual} not within ${relTol} of ${expected}`);
};

/** Reference MWU from scratch: midranks over the expanded sample, tie groups from the data. */
function referenceMwu(a: number[], b: number[]): { u: number; variance: number } {
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  const N = all.length;
  let r1 = 0;
  let ties = 0;
  for (let i = 0; i < N; ) {
    let j = i;
    while (j < N && all[j]!.v === all[i]!.v) j++;
    const midrank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.first) r1 += midrank;
    const t = j - i;
    ties += t ** 3 - t;
    i = j;
  }
  const n1 = a.length;
  const n2 = b.length;
  return { u: r1 - (n1 * (n1 + 1)) / 2, variance: ((n1 * n2) / 12) * (N + 1 - ties / (N * (N - 1))) };
}

const expand = (perBucket: number[]): number[] => perBucket.flatMap((n, i) => new Array<number>(n).fill(i));

void describe('analysis: statistics', () => {
  void it('normal upper tail matches tables, far tails included', () => {
    close(normalSf(0), 0.5, 1e-7);
    close(normalSf(1.959963985), 0.025, 1e-6);
    close(normalSf(-1.644853627), 0.95, 1e-6);
    close(normalSf(3.090232306), 0.001, 1e-6);
    close(normalSf(5), 2.866515719e-7, 1e-6);
    close(normalSf(8), 6.220960574e-16, 1e-6);
  });

  void it('two-proportion z-test (pooled) matches hand computation', () => {
    // 8/200 vs 1/200: p̂ = 9/400 = 0.0225; se = √(0.0225·0.9775·(2/200)) = 0.014830; z = 0.035/se.
    const r = twoProportionZTest(8, 200, 1, 200);
    close(r.z, 2.360034775, 1e-8, 'z');
    close(r.pValue, 0.009136611, 1e-5, 'p');
    const r2 = twoProportionZTest(50, 2000, 20, 2000);
    close(r2.z, 3.617478471, 1e-8, 'z');
    close(r2.pValue, 1.4874353e-4, 1e-5, 'p');
    assert.deepEqual(twoProportionZTest(0, 100, 0, 100), { z: 0, pValue: 1 });
    assert.deepEqual(twoProportionZTest(100, 100, 50, 50), { z: 0, pValue: 1 });
  });

  void it("one-sided Fisher exact test matches Fisher's tea tasting and scipy", () => {
    close(fisherExactGreater(3, 4, 1, 4), 17 / 70, 1e-9, 'tea'); // (16 + 1)/70
    close(fisherExactGreater(8, 200, 1, 200), 0.01848331894, 1e-7);
    close(fisherExactGreater(30, 1000, 20, 1000), 0.09846976224, 1e-7);
    close(fisherExactGreater(50, 2000, 20, 2000), 1.9625811525e-4, 1e-7);
    close(fisherExactGreater(200, 20000, 100, 20000), 3.5294412746e-9, 1e-6);
    close(fisherExactGreater(5, 10, 5, 10), 0.6718591007, 1e-7); // below the mode: via the lower tail
    assert.equal(fisherExactGreater(0, 100, 0, 100), 1);
    assert.equal(fisherExactGreater(0, 100, 7, 100), 1);
    assert.ok(fisherExactGreater(1000, 1000, 0, 1000) < 1e-300);
  });

  void it('Mann-Whitney U with ties: a hand-worked example', () => {
    // canary values (bucket indices) 1,2,2,3; baseline 0,1,1,2.
    // U = 1·(1 + 2/2) + 2·(3 + 1/2) + 1·4 = 13; mean 8; ties t = 1,3,3,1 → Σ(t³−t) = 48;
    // Var = 16/12 · (9 − 48/56) = 10.857; z = (13 − 8 − 0.5)/3.2950 = 1.3657; p = 0.08602 (scipy agrees).
    const r = mannWhitneyBinned([0, 1, 2, 1], [1, 2, 1, 0]);
    assert.equal(r.u, 13);
    assert.equal(r.mean, 8);
    close(r.variance, 10.857142857, 1e-9, 'variance');
    close(r.z, 1.365703, 1e-5, 'z');
    close(r.pValue, 0.08601685446, 1e-5, 'p');
  });

  void it('Mann-Whitney U matches scipy (asymptotic, continuity, one-sided) on larger binned samples', () => {
    const a = mannWhitneyBinned([3, 10, 20, 7, 1], [5, 14, 15, 4, 0]);
    assert.equal(a.u, 947.5);
    close(a.pValue, 0.03955814400, 1e-5);
    const b = mannWhitneyBinned([0, 0, 50, 40, 10], [0, 5, 60, 30, 5]);
    assert.equal(b.u, 5925);
    close(b.pValue, 0.005527721782, 1e-5);
  });

  void it('Mann-Whitney U and its tie-corrected variance agree with a midrank computation', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 50; trial++) {
      const buckets = 1 + Math.floor(rand() * 6);
      const a = Array.from({ length: buckets }, () => Math.floor(rand() * 8));
      const b = Array.from({ length: buckets }, () => Math.floor(rand() * 8));
      const r = mannWhitneyBinned(a, b);
      const ref = referenceMwu(expand(a), expand(b));
      assert.equal(r.u, ref.u);
      if (ref.variance > 0) close(r.variance, ref.variance, 1e-9, 'variance');
      else assert.equal(r.pValue, 1);
    }
  });

  void it('Mann-Whitney with every value tied or one side empty has no evidence (p = 1)', () => {
    assert.equal(mannWhitneyBinned([0, 40, 0], [0, 30, 0]).pValue, 1);
    assert.equal(mannWhitneyBinned([0, 0, 0], [5, 3, 0]).pValue, 1);
  });

  void it('alpha spending sums to alpha over unboundedly many looks', () => {
    close(alphaForLook(0.05, 1), (0.05 * 6) / Math.PI ** 2, 1e-12);
    close(alphaForLook(0.05, 3), 0.0033774, 1e-4);
    let sum = 0;
    for (let k = 1; k <= 1_000_000; k++) sum += alphaForLook(0.05, k);
    assert.ok(sum < 0.05 && sum > 0.05 * 0.99999);
  });
});
