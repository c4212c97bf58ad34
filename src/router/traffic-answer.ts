// The router's counters as alerts read them, compactly: one array per (host, release), the
// latency bounds once, and only the rows changed since the reader's cursor. The full answer
// (ReleaseMetrics objects, bounds repeated in every row) cost the alert evaluator about half of
// each tick in JSON alone with 200 environments (bench/RESULTS-alerts.md).
import type { ReleaseMetrics } from './route-table.ts';

/**
 * `[host, release, boundsIndex, requests, errors5xx, connectFailures, ...latencyCounts]`:
 * cumulative counters; `latencyCounts` is the cumulative histogram of ReleaseMetrics.latency
 * (one more entry than its bounds, `answer.bounds[boundsIndex]`).
 */
export type TrafficRow = [string, string, number, number, number, number, ...number[]];

/** Where a reader left off: the counters' epoch (one per router process) and the change counter. */
export interface TrafficCursor {
  epoch: string;
  cursor: number;
}

export interface TrafficAnswer extends TrafficCursor {
  /** True when `rows` holds every row (the cursor was missing or from another epoch): the reader drops what it kept. */
  full: boolean;
  /** How many rows the router holds: a reader holding more knows some were dropped, and asks for a full answer. */
  size: number;
  bounds: number[][];
  rows: TrafficRow[];
}

/** A row in the shape the analysis reads (the latency sum is not carried: nothing an alert computes needs it). */
export function rowMetrics(row: TrafficRow, bounds: readonly number[][]): ReleaseMetrics {
  const [host, release, b, requests, errors5xx, connectFailures] = row;
  return { host, release, requests, errors5xx, connectFailures, latency: { bounds: bounds[b] ?? [], counts: row.slice(6) as number[], sum: 0 } };
}

/** A full answer made from ReleaseMetrics, for routers that keep no change counter. */
export function trafficFromMetrics(metrics: readonly ReleaseMetrics[]): TrafficAnswer {
  const bounds: number[][] = [];
  const rows = metrics.map((m): TrafficRow => {
    let b = bounds.findIndex((x) => x.length === m.latency.bounds.length && x.every((v, i) => v === m.latency.bounds[i]));
    if (b < 0) b = bounds.push(m.latency.bounds) - 1;
    return [m.host, m.release, b, m.requests, m.errors5xx, m.connectFailures, ...m.latency.counts];
  });
  return { epoch: 'full', cursor: 0, full: true, size: rows.length, bounds, rows };
}
