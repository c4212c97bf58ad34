// What one release did during one analysis window, derived from the router's cumulative
// counters (src/router/route-table.ts `ReleaseMetrics`).
import { InvalidInputError } from '../errors.ts';
import type { ReleaseMetrics } from '../router/route-table.ts';

/** Cumulative le-style latency histogram in ms: counts[i] = samples ≤ bounds[i]; last = all. */
export interface LatencyHistogram {
  bounds: number[];
  counts: number[];
}

export interface WindowStats {
  /** Attempts: requests the router recorded plus connection failures (a failed attempt each). */
  requests: number;
  /** 5xx responses plus connection failures. */
  errors: number;
  latency: LatencyHistogram;
}

export function emptyStats(): WindowStats {
  return { requests: 0, errors: 0, latency: { bounds: [], counts: [0] } };
}

/** Number of timed requests (the +Inf bucket). */
export function timedCount(h: LatencyHistogram): number {
  return h.counts[h.counts.length - 1] ?? 0;
}

function checkHistogram(h: LatencyHistogram): void {
  if (h.counts.length !== h.bounds.length + 1) {
    throw new InvalidInputError(`latency histogram has ${h.counts.length} counts for ${h.bounds.length} bounds (expected bounds + 1)`);
  }
}

function fromMetrics(m: ReleaseMetrics): WindowStats {
  checkHistogram(m.latency);
  // A connection failure is counted per attempt; when the router then answers 502 the request is
  // counted again as a 5xx. Counting attempts on both sides keeps the rate within [0, 1].
  return {
    requests: m.requests + m.connectFailures,
    errors: m.errors5xx + m.connectFailures,
    latency: { bounds: [...m.latency.bounds], counts: [...m.latency.counts] },
  };
}

/** Bounds present in both histograms. Cumulative counts at a shared bound are exact in both. */
function sharedBounds(a: readonly number[], b: readonly number[]): number[] {
  const inB = new Set(b);
  return a.filter((x) => inB.has(x));
}

/** The same histogram over a subset of its bounds (coarser buckets, no information invented). */
function restrict(h: LatencyHistogram, bounds: readonly number[]): LatencyHistogram {
  const index = new Map(h.bounds.map((b, i) => [b, i] as const));
  const counts = bounds.map((b) => h.counts[index.get(b) ?? -1] ?? 0);
  counts.push(timedCount(h));
  return { bounds: [...bounds], counts };
}

function zeros(bounds: readonly number[]): LatencyHistogram {
  return { bounds: [...bounds], counts: new Array<number>(bounds.length + 1).fill(0) };
}

/**
 * Two histograms over the same bounds: the bounds both have, or the other side's when one side
 * has no samples at all. Both are left as they are when already aligned.
 */
export function alignHistograms(a: LatencyHistogram, b: LatencyHistogram): [LatencyHistogram, LatencyHistogram] {
  if (timedCount(a) === 0) return [zeros(b.bounds), b];
  if (timedCount(b) === 0) return [a, zeros(a.bounds)];
  const bounds = sharedBounds(a.bounds, b.bounds);
  return [restrict(a, bounds), restrict(b, bounds)];
}

/**
 * What happened between two snapshots of one release's cumulative counters. A counter that went
 * down means the router restarted in between: as Prometheus' rate() does, `after` alone is then
 * the best estimate of the window. No `after` means no data; no `before` means from zero.
 */
export function metricsDelta(after: ReleaseMetrics | undefined, before: ReleaseMetrics | undefined): WindowStats {
  if (!after) return emptyStats();
  const cur = fromMetrics(after);
  if (!before) return cur;
  const prev = fromMetrics(before);
  const [curH, prevH] = alignHistograms(cur.latency, prev.latency);
  const counts = curH.counts.map((c, i) => c - (prevH.counts[i] ?? 0));
  const reset =
    cur.requests < prev.requests ||
    after.errors5xx < before.errors5xx ||
    after.connectFailures < before.connectFailures ||
    counts.some((c) => c < 0) ||
    // Histogram deltas must stay cumulative; anything else is a reset too.
    counts.some((c, i) => i > 0 && c < (counts[i - 1] ?? 0));
  if (reset) return cur;
  return { requests: cur.requests - prev.requests, errors: cur.errors - prev.errors, latency: { bounds: curH.bounds, counts } };
}

/** Several windows as one (e.g. one release behind several hosts). Bounds: those all share. */
export function sumStats(list: readonly WindowStats[]): WindowStats {
  let total = emptyStats();
  for (const s of list) {
    checkHistogram(s.latency);
    const [a, b] = alignHistograms(total.latency, s.latency);
    total = {
      requests: total.requests + s.requests,
      errors: total.errors + s.errors,
      latency: { bounds: a.bounds, counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)) },
    };
  }
  return total;
}

/** Per-bucket (non-cumulative) counts of a cumulative histogram. */
export function bucketCounts(h: LatencyHistogram): number[] {
  return h.counts.map((c, i) => c - (i === 0 ? 0 : (h.counts[i - 1] ?? 0)));
}
