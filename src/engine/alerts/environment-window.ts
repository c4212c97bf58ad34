// The figures of one environment over a sliding window, from the data plane's cumulative
// counters: the router's per-(host, release) requests, 5xx and latency buckets, and the
// supervisor's restart counts. Snapshots are kept just long enough to reach back one window
// (restarts: the longest `for` of a restarts alert).
import { metricsDelta, sumStats, type WindowStats } from '../../analysis/window-stats.ts';
import { quantileFromHistogram } from '../../analysis/histogram-quantile.ts';
import type { ReleaseMetrics } from '../../router/route-table.ts';
import { LATENCY_QUANTILES, type AlertSpec } from '../../spec/alert-spec.ts';
import { MIN_ALERT_SAMPLES, type AlertFigure } from './alert-machine.ts';

interface TrafficSnapshot {
  t: number;
  /** `host release` → cumulative counters. */
  metrics: ReadonlyMap<string, ReleaseMetrics>;
}

/** Same bounds, counters that only grew: the common case, subtracted in place without copies. */
function simpleDelta(now: ReleaseMetrics, before: ReleaseMetrics): boolean {
  if (now.requests < before.requests || now.errors5xx < before.errors5xx || now.connectFailures < before.connectFailures) return false;
  return sameBounds(now.latency.bounds, before.latency.bounds);
}

/**
 * The window's stats summed over the environment's (host, release) counters. Every tick runs
 * this for every environment, so the usual case (same buckets, no reset) avoids the general
 * path's copies and alignment (src/analysis/window-stats.ts, which handles the rest).
 */
function windowStats(metrics: ReadonlyMap<string, ReleaseMetrics>, start: ReadonlyMap<string, ReleaseMetrics>): WindowStats {
  // The same map: none of the environment's counters changed over the whole window.
  if (metrics === start) return { requests: 0, errors: 0, latency: { bounds: [], counts: [0] } };
  let requests = 0;
  let errors = 0;
  let counts: number[] | null = null;
  let bounds: number[] | null = null;
  const general: WindowStats[] = [];
  for (const [key, now] of metrics) {
    const before = start.get(key);
    if (before === undefined || !simpleDelta(now, before) || (bounds !== null && !sameBounds(bounds, now.latency.bounds))) {
      general.push(metricsDelta(now, before));
      continue;
    }
    requests += now.requests + now.connectFailures - before.requests - before.connectFailures;
    errors += now.errors5xx + now.connectFailures - before.errors5xx - before.connectFailures;
    bounds ??= now.latency.bounds;
    counts ??= new Array<number>(now.latency.counts.length).fill(0);
    for (let i = 0; i < counts.length; i++) counts[i]! += (now.latency.counts[i] ?? 0) - (before.latency.counts[i] ?? 0);
  }
  const fast: WindowStats = { requests, errors, latency: { bounds: bounds ?? [], counts: counts ?? [0] } };
  return general.length === 0 ? fast : sumStats([fast, ...general]);
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class EnvironmentWindow {
  private readonly traffic: TrafficSnapshot[] = [];
  private readonly restarts: { t: number; total: number }[] = [];
  /** instance id → restarts last seen: the total only ever grows (instances come and go). */
  private readonly lastRestarts = new Map<string, number>();
  private restartTotal = 0;
  private stats: WindowStats | null = null;

  /** Adds this tick's counters; the window's stats are those since the newest snapshot at least `windowMs` old. */
  addTraffic(t: number, metrics: ReadonlyMap<string, ReleaseMetrics>, windowMs: number): void {
    this.traffic.push({ t, metrics });
    // Keep the newest snapshot old enough to be a window's start, and everything after it.
    while (this.traffic.length > 2 && this.traffic[1]!.t <= t - windowMs) this.traffic.shift();
    const start = this.traffic[0]!;
    if (start.t > t - windowMs) {
      this.stats = null; // not one window of history yet (a fresh start): judge nothing
      return;
    }
    this.stats = windowStats(metrics, start.metrics);
  }

  /** Adds this tick's restart counts of the environment's instances. */
  addRestarts(t: number, instances: readonly { id: string; restarts: number }[], spanMs: number): void {
    const seen = new Set<string>();
    for (const i of instances) {
      seen.add(i.id);
      const before = this.lastRestarts.get(i.id);
      // A new instance counts in full, except at the first look (those restarts came before we watched).
      if (before !== undefined) this.restartTotal += Math.max(0, i.restarts - before);
      else if (this.restarts.length > 0) this.restartTotal += i.restarts;
      this.lastRestarts.set(i.id, i.restarts);
    }
    for (const id of this.lastRestarts.keys()) if (!seen.has(id)) this.lastRestarts.delete(id);
    this.restarts.push({ t, total: this.restartTotal });
    while (this.restarts.length > 2 && this.restarts[1]!.t <= t - spanMs) this.restarts.shift();
  }

  /** The alert's figure, or null before one full window of history (a partial window judges nothing). */
  figure(alert: AlertSpec): AlertFigure | null {
    if (alert.metric === 'restarts') {
      const first = this.restarts[0];
      if (!first) return null;
      const instances = this.lastRestarts.size;
      return { value: this.restartTotal - first.total, samples: instances, enough: instances > 0 };
    }
    const s = this.stats;
    if (!s) return null;
    if (alert.metric === 'requests') return { value: s.requests, samples: s.requests, enough: true };
    if (alert.metric === 'errorRate') return { value: s.requests > 0 ? s.errors / s.requests : null, samples: s.requests, enough: s.requests >= MIN_ALERT_SAMPLES };
    const timed = s.latency.counts[s.latency.counts.length - 1] ?? 0;
    return { value: quantileFromHistogram(s, LATENCY_QUANTILES[alert.metric] ?? 0.99), samples: timed, enough: timed >= MIN_ALERT_SAMPLES };
  }
}
