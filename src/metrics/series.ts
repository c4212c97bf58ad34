// One exposition's worth of figures, in a form that does not depend on prom-client: what the
// recorder and the scrape-time collectors produce and what render-prometheus.ts writes out.
import type { MetricKey } from './metric-catalog.ts';

export type Labels = Readonly<Record<string, string>>;

export interface ValueSeries {
  metric: MetricKey;
  labels: Labels;
  value: number;
}

/**
 * `counts` is cumulative, one entry per bound plus the +Inf bucket (its last entry is the
 * number of observations), as Prometheus exposes it.
 */
export interface HistogramSeries {
  metric: MetricKey;
  labels: Labels;
  bounds: readonly number[];
  counts: readonly number[];
  sum: number;
}

export type Series = ValueSeries | HistogramSeries;

export function isHistogram(s: Series): s is HistogramSeries {
  return 'counts' in s;
}
