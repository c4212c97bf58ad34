// Numerical building blocks for the tests in this folder. Accuracy targets are those of a
// decision rule (relative error around 1e-7 on tail probabilities), not of a math library.

/**
 * Complementary error function, Numerical Recipes' Chebyshev fit `erfcc`: fractional error
 * below 1.2e-7 everywhere, including far tails (needed: spent alphas reach 1e-7 and below).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal: P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** ln Γ(x) for x ≥ 0.5 (Lanczos, g = 7); enough for log-factorials of counts. */
export function logGamma(x: number): number {
  const y = x - 1;
  let a = lanczos[0];
  const t = y + 7.5;
  for (let i = 1; i < lanczos.length; i++) a += lanczos[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

export function logFactorial(n: number): number {
  return n < 2 ? 0 : logGamma(n + 1);
}
