// Seeded synthetic traffic for the analysis tests.
import type { WindowStats } from '../../src/analysis/index.ts';

/** The router's bucket bounds (src/router/edge/release-stats.ts), copied so tests pin them. */
export const routerBounds = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Samples → window stats over `bounds`; `errors` of them are counted as 5xx. */
export function statsFromSamples(latencies: readonly number[], errors: number, bounds = routerBounds): WindowStats {
  const perBucket = new Array<number>(bounds.length + 1).fill(0);
  for (const ms of latencies) {
    let i = 0;
    while (i < bounds.length && ms > bounds[i]!) i++;
    perBucket[i]!++;
  }
  return { requests: latencies.length, errors, latency: { bounds: [...bounds], counts: cumulative(perBucket) } };
}

export function cumulative(perBucket: readonly number[]): number[] {
  let run = 0;
  return perBucket.map((n) => (run += n));
}

export function lognormalSamples(rand: () => number, n: number, medianMs: number, sigma: number): number[] {
  return Array.from({ length: n }, () => medianMs * Math.exp(sigma * normal(rand)));
}

export function binomial(rand: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
}

/** Sampler by inversion over a discrete distribution (one uniform per draw). */
export function discreteSampler(probs: readonly number[]): (rand: () => number) => number {
  const cdf = cumulative(probs);
  return (rand) => {
    const u = rand() * (cdf[cdf.length - 1] ?? 1);
    const i = cdf.findIndex((c) => u < c);
    return i < 0 ? cdf.length - 1 : i;
  };
}
