// Mann-Whitney U on binned samples: each latency is replaced by its bucket index, so every
// bucket is a group of ties. Mann & Whitney (1947); tie-corrected variance as in Lehmann,
// "Nonparametrics" (1975), §1.4.

import { normalSf } from './special-functions.ts';

export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, plus half the tied pairs. */
  u: number;
  n1: number;
  n2: number;
  mean: number;
  /** Tie-corrected variance of U under H0. */
  variance: number;
  /** (U − mean − ½) / √variance; 0 when there is no variance (every value tied). */
  z: number;
  /** One-sided P(Z ≥ z): evidence that the first sample is stochastically larger. */
  pValue: number;
}

/**
 * `a` and `b` are per-bucket counts (NOT cumulative) over the same buckets, in increasing order.
 * U = Σᵢ aᵢ (Σ_{j<i} bⱼ + bᵢ/2); E[U] = n₁n₂/2;
 * Var[U] = n₁n₂/12 · ((N + 1) − Σ(tᵢ³ − tᵢ) / (N(N − 1))), tᵢ = aᵢ + bᵢ, N = n₁ + n₂.
 * z uses a continuity correction of ½.
 */
export function mannWhitneyBinned(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const buckets = Math.max(a.length, b.length);
  let n1 = 0;
  let n2 = 0;
  let u = 0;
  let ties = 0;
  for (let i = 0; i < buckets; i++) {
    const ai = a[i] ?? 0;
    const bi = b[i] ?? 0;
    u += ai * (n2 + bi / 2); // n2 so far = b's count strictly below bucket i
    n1 += ai;
    n2 += bi;
    const t = ai + bi;
    ties += t * t * t - t;
  }
  const N = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = N < 2 ? 0 : ((n1 * n2) / 12) * (N + 1 - ties / (N * (N - 1)));
  if (!(variance > 0)) return { u, n1, n2, mean, variance: 0, z: 0, pValue: 1 };
  // P(U ≥ u) ≈ P(Z ≥ (u − ½ − mean)/sd), the same correction as scipy's one-sided test.
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, n1, n2, mean, variance, z, pValue: normalSf(z) };
}
