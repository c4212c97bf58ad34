// One-sided comparisons of two error proportions: H1 = the canary's is higher.
import { logFactorial, normalSf } from './special-functions.ts';

export interface ProportionTest {
  /** Pooled two-proportion z; 0 when there is no variance (no errors at all, or only errors). */
  z: number;
  /** One-sided p-value of the test that produced it. */
  pValue: number;
}

/**
 * Two-proportion z-test with pooled variance:
 * z = (p₁ − p₂) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)), p̂ = (x₁ + x₂)/(n₁ + n₂); p = P(Z > z).
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ProportionTest {
  if (n1 <= 0 || n2 <= 0) return { z: 0, pValue: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (!(variance > 0)) return { z: 0, pValue: 1 };
  const z = (x1 / n1 - x2 / n2) / Math.sqrt(variance);
  return { z, pValue: normalSf(z) };
}

/**
 * One-sided Fisher exact test: P(X ≥ x1) where X ~ Hypergeometric(N = n1 + n2, K = x1 + x2, n1),
 * the canary's error count given the total errors. Exact (conservative) at any count, so the
 * tiny spent alphas of late looks keep their meaning even with a handful of errors, where the
 * normal approximation of the z-test is unreliable.
 */
export function fisherExactGreater(x1: number, n1: number, x2: number, n2: number): number {
  const N = n1 + n2;
  const K = x1 + x2;
  const lo = Math.max(0, n1 - (N - K));
  const hi = Math.min(K, n1);
  if (x1 <= lo) return 1;
  if (x1 > hi) return 0;
  const logDenominator = logFactorial(N) - logFactorial(n1) - logFactorial(N - n1);
  const logPmf = (x: number): number =>
    logFactorial(K) - logFactorial(x) - logFactorial(K - x) + logFactorial(N - K) - logFactorial(n1 - x) - logFactorial(N - K - n1 + x) - logDenominator;
  // pmf(x+1)/pmf(x), to walk the tail without more log-gammas.
  const up = (x: number): number => ((K - x) * (n1 - x)) / ((x + 1) * (N - K - n1 + x + 1));
  const mode = Math.floor(((n1 + 1) * (K + 1)) / (N + 2));
  if (x1 >= mode) {
    // Upper tail, terms decrease from x1 on: sum until they stop mattering.
    let term = Math.exp(logPmf(x1));
    let sum = 0;
    for (let x = x1; x <= hi; x++) {
      sum += term;
      if (term === 0 || term < sum * 1e-17) break; // 0: underflow, the whole tail is below 1e-308
      term *= up(x);
    }
    return Math.min(1, sum);
  }
  // x1 below the mode: p ≥ ~1/2, so 1 − (lower tail up to x1 − 1) loses nothing that matters.
  let term = Math.exp(logPmf(x1 - 1));
  let sum = 0;
  for (let x = x1 - 1; x >= lo; x--) {
    sum += term;
    if (x === lo || term === 0 || term < sum * 1e-17) break;
    term /= up(x - 1);
  }
  return Math.max(0, Math.min(1, 1 - sum));
}
