// The Metrics port in plain memory: counters and histogram buckets keyed by their label values.
// No prom-client here (it costs ~8 MiB): it is loaded by the first scrape (render-prometheus.ts).
import { InvalidInputError } from '../errors.ts';
import { metricCatalog, type CounterKey, type MetricDefinition, type HistogramKey, type LabelsOf, type MetricKey } from './metric-catalog.ts';
import type { Metrics } from './metrics.ts';
import type { Labels, Series } from './series.ts';

interface Histogram {
  labels: Labels;
  /** Per bucket, not cumulative; the last one is +Inf. */
  buckets: number[];
  sum: number;
}

/** Label values joined in the catalog's order: one key per series. */
function keyOf(metric: MetricKey, labels: Labels): string {
  return metricCatalog[metric].labels.map((l) => labels[l] ?? '').join('\u0000');
}

function bucketsOf(metric: MetricKey): readonly number[] {
  const def: MetricDefinition = metricCatalog[metric];
  return def.buckets ?? [];
}

function checkLabels(metric: MetricKey, labels: Labels): void {
  const want = metricCatalog[metric].labels;
  const have = Object.keys(labels);
  if (have.length !== want.length || !want.every((l) => typeof labels[l] === 'string')) {
    throw new InvalidInputError(`metric ${metricCatalog[metric].name} takes the labels [${want.join(', ')}], got [${have.join(', ')}]`);
  }
}

export class MetricRecorder implements Metrics {
  private readonly counters = new Map<MetricKey, Map<string, { labels: Labels; value: number }>>();
  private readonly histograms = new Map<MetricKey, Map<string, Histogram>>();

  count<K extends CounterKey>(metric: K, labels: LabelsOf<K>, by = 1): void {
    checkLabels(metric, labels);
    if (!(by >= 0)) throw new InvalidInputError(`counter ${metricCatalog[metric].name} can only go up, got ${by}`);
    let series = this.counters.get(metric);
    if (!series) this.counters.set(metric, (series = new Map<string, { labels: Labels; value: number }>()));
    const key = keyOf(metric, labels);
    const s = series.get(key);
    if (s) s.value += by;
    else series.set(key, { labels: { ...labels }, value: by });
  }

  observe<K extends HistogramKey>(metric: K, labels: LabelsOf<K>, value: number): void {
    checkLabels(metric, labels);
    if (!Number.isFinite(value)) throw new InvalidInputError(`histogram ${metricCatalog[metric].name} takes finite values, got ${value}`);
    const bounds = bucketsOf(metric);
    let series = this.histograms.get(metric);
    if (!series) this.histograms.set(metric, (series = new Map<string, Histogram>()));
    const key = keyOf(metric, labels);
    let h = series.get(key);
    if (!h) series.set(key, (h = { labels: { ...labels }, buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0 }));
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    h.buckets[i]!++;
    h.sum += value;
  }

  /** What was recorded so far, as series (histogram counts made cumulative). */
  series(): Series[] {
    const out: Series[] = [];
    for (const [metric, series] of this.counters) for (const s of series.values()) out.push({ metric, labels: s.labels, value: s.value });
    for (const [metric, series] of this.histograms) {
      const bounds = bucketsOf(metric);
      for (const h of series.values()) {
        let running = 0;
        out.push({ metric, labels: h.labels, bounds, counts: h.buckets.map((n) => (running += n)), sum: h.sum });
      }
    }
    return out;
  }
}
