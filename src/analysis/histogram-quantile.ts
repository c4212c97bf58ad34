// Quantiles of a cumulative histogram, interpolated linearly inside the bucket that holds the
// rank (as Prometheus' histogram_quantile does; the first bucket starts at 0).
import { InvalidInputError } from '../errors.ts';
import { timedCount, type LatencyHistogram, type WindowStats } from './window-stats.ts';

export interface HistogramQuantile {
  value: number;
  /** The rank lies in the +Inf bucket: `value` is the last bound, a lower bound of the truth. */
  overflow: boolean;
}

export function histogramQuantile(h: LatencyHistogram, q: number): HistogramQuantile | null {
  if (!(q >= 0 && q <= 1)) throw new InvalidInputError(`quantile must be within [0, 1], got ${q}`);
  const total = timedCount(h);
  if (total <= 0) return null;
  const rank = q * total;
  const i = h.counts.findIndex((c) => c >= rank && c > 0);
  if (i < 0) return null;
  if (i >= h.bounds.length) {
    const last = h.bounds[h.bounds.length - 1];
    return last === undefined ? null : { value: last, overflow: true };
  }
  const upper = h.bounds[i]!;
  const lower = i === 0 ? Math.min(0, upper) : h.bounds[i - 1]!;
  const below = i === 0 ? 0 : h.counts[i - 1]!;
  const inBucket = h.counts[i]! - below;
  return { value: lower + ((upper - lower) * (rank - below)) / inBucket, overflow: false };
}

/**
 * The q-quantile (0..1) of the window's latencies in ms, or null without samples. A rank in the
 * +Inf bucket yields the last bound (the true value is at least that).
 */
export function quantileFromHistogram(stats: WindowStats, q: number): number | null {
  return histogramQuantile(stats.latency, q)?.value ?? null;
}
