import { randomUUID } from 'node:crypto';
import type { ReleaseMetrics } from '../route-table.ts';
import type { TrafficAnswer, TrafficCursor, TrafficRow } from '../traffic-answer.ts';

/** Latency bucket upper bounds in milliseconds; a final +Inf bucket is implied. */
// About 25 % apart: fine enough that quantiles read from the histogram see a ×1.25 slowdown
// (coarser 1-2-5 buckets hid it), still a short scan per request.
export const latencyBoundsMs: readonly number[] = [
  1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 125, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000,
  2500, 3000, 4000, 5000, 7500, 10000,
];

/** Mutable counters of one (host, release); compiled routes hold a direct reference (no lookup per request). */
export class ReleaseStats {
  requests = 0;
  errors5xx = 0;
  connectFailures = 0;
  latencySum = 0;
  /** The registry's change counter at this entry's last change (a reader asks for rows changed since its cursor). */
  changed: number;
  private readonly clock: { n: number };
  /** Responses of class 1xx…5xx (index 0…4). */
  private readonly classes = [0, 0, 0, 0, 0];
  /** Per-bucket (not cumulative) counts; the last one is the +Inf bucket. */
  private readonly buckets = new Array<number>(latencyBoundsMs.length + 1).fill(0);

  readonly host: string;
  readonly release: string;

  constructor(host: string, release: string, clock: { n: number } = { n: 0 }) {
    this.host = host;
    this.release = release;
    this.clock = clock;
    this.changed = ++clock.n;
  }

  connectFailed(): void {
    this.changed = ++this.clock.n;
    this.connectFailures++;
  }

  record(status: number, ms: number): void {
    this.changed = ++this.clock.n;
    this.requests++;
    if (status >= 500) this.errors5xx++;
    const c = Math.floor(status / 100);
    if (c >= 1 && c <= 5) this.classes[c - 1]!++;
    this.latencySum += ms;
    let i = 0;
    while (i < latencyBoundsMs.length && ms > latencyBoundsMs[i]!) i++;
    this.buckets[i]!++;
  }

  snapshot(): ReleaseMetrics {
    const counts: number[] = [];
    let running = 0;
    for (const n of this.buckets) counts.push((running += n));
    return {
      release: this.release,
      host: this.host,
      requests: this.requests,
      errors5xx: this.errors5xx,
      statusClasses: Object.fromEntries(this.classes.map((n, i) => [`${i + 1}xx`, n])),
      connectFailures: this.connectFailures,
      latency: { bounds: [...latencyBoundsMs], counts, sum: this.latencySum },
    };
  }

  /** Bounds index 0: every entry shares latencyBoundsMs. */
  row(): TrafficRow {
    const row: TrafficRow = [this.host, this.release, 0, this.requests, this.errors5xx, this.connectFailures];
    let running = 0;
    for (const n of this.buckets) row.push((running += n));
    return row;
  }
}

/**
 * Stats keyed by host and release, so counters survive route table swaps. Those no table uses
 * any more are kept (the analysis and Prometheus read them a while after a release leaves) up to
 * `keepRetired`, oldest dropped first: routes come and go with every deploy, the map must not.
 */
export class ReleaseStatsRegistry {
  private readonly byKey = new Map<string, ReleaseStats>();
  /** Keys the current table does not use, oldest first. */
  private readonly retired = new Set<string>();
  /** Keys asked for since beginTable(). */
  private readonly used = new Set<string>();
  private readonly keepRetired: number;
  private readonly clock = { n: 0 };
  /** A new one per registry (router process): a cursor from another epoch counts nothing. */
  private readonly epoch = randomUUID();

  constructor(keepRetired = 256) {
    this.keepRetired = keepRetired;
  }

  get(host: string, release: string): ReleaseStats {
    const key = `${host}\n${release}`;
    this.used.add(key);
    let stats = this.byKey.get(key);
    if (!stats) {
      stats = new ReleaseStats(host, release, this.clock);
      this.byKey.set(key, stats);
    }
    return stats;
  }

  /** A new table is being compiled: the stats it asks for are the ones in use. */
  beginTable(): void {
    this.used.clear();
  }

  /** The table compiled since beginTable() is applied: every other entry is retired. */
  endTable(): void {
    for (const key of this.byKey.keys()) {
      if (this.used.has(key)) this.retired.delete(key);
      else this.retired.add(key);
    }
    for (const key of this.retired) {
      if (this.retired.size <= this.keepRetired) break;
      this.retired.delete(key);
      this.byKey.delete(key);
    }
  }

  snapshot(): ReleaseMetrics[] {
    return [...this.byKey.values()].map((s) => s.snapshot());
  }

  /** The rows changed since `since` (all of them without a cursor of this epoch). */
  trafficSince(since?: TrafficCursor): TrafficAnswer {
    const full = since?.epoch !== this.epoch;
    const after = full ? -1 : since.cursor;
    const rows: TrafficRow[] = [];
    for (const s of this.byKey.values()) if (s.changed > after) rows.push(s.row());
    return { epoch: this.epoch, cursor: this.clock.n, full, size: this.byKey.size, bounds: [[...latencyBoundsMs]], rows };
  }
}
