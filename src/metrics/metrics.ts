// The metrics port: where the engine reports what happened. The engine imports only this (and
// the catalog's keys); the composition root picks the implementation (MetricRecorder), and
// prom-client stays out of the engine and out of memory until the first scrape.
import type { CounterKey, HistogramKey, LabelsOf } from './metric-catalog.ts';

export interface Metrics {
  /** Adds `by` (default 1) to a counter. */
  count<K extends CounterKey>(metric: K, labels: LabelsOf<K>, by?: number): void;
  /** Records one observation (seconds, for durations) in a histogram. */
  observe<K extends HistogramKey>(metric: K, labels: LabelsOf<K>, value: number): void;
}

/** Records nothing: the default where no metrics are wanted (tests, tools). */
export const noMetrics: Metrics = {
  count: () => {},
  observe: () => {},
};
