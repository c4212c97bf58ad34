// Series → the Prometheus text format, written by prom-client. prom-client is imported here
// only, on the first scrape: a server nobody scrapes never pays its memory (~8 MiB).
// Counters and gauges are prom-client's own; histograms arrive already bucketed (the router
// counts them in the data plane), which prom-client's Histogram cannot take, so they are
// registered as metric objects that hand prom-client their bucket, sum and count lines.
import { metricCatalog, type MetricDefinition, type MetricKey } from './metric-catalog.ts';
import { isHistogram, type HistogramSeries, type Series, type ValueSeries } from './series.ts';

export interface Exposition {
  contentType: string;
  text: string;
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** Series with equal labels summed (e.g. a service answering on several hosts). */
export function mergeSeries(series: readonly Series[]): Map<MetricKey, Series[]> {
  const out = new Map<MetricKey, Map<string, Series>>();
  for (const s of series) {
    let group = out.get(s.metric);
    if (!group) out.set(s.metric, (group = new Map<string, Series>()));
    const key = labelKey(s.labels);
    const had = group.get(key);
    if (!had) group.set(key, isHistogram(s) ? { ...s, counts: [...s.counts] } : { ...s });
    else if (isHistogram(had) && isHistogram(s) && had.bounds.length === s.bounds.length) {
      group.set(key, { ...had, counts: had.counts.map((c, i) => c + (s.counts[i] ?? 0)), sum: had.sum + s.sum });
    } else if (!isHistogram(had) && !isHistogram(s)) group.set(key, { ...had, value: had.value + s.value });
  }
  return new Map([...out].map(([k, g]) => [k, [...g.values()]]));
}

function histogramMetric(def: MetricDefinition, series: readonly HistogramSeries[]) {
  const values = series.flatMap((s) => {
    const count = s.counts.at(-1) ?? 0;
    return [
      ...s.bounds.map((le, i) => ({ metricName: `${def.name}_bucket`, labels: { ...s.labels, le: String(le) }, value: s.counts[i] ?? 0 })),
      { metricName: `${def.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: count },
      { metricName: `${def.name}_sum`, labels: s.labels, value: s.sum },
      { metricName: `${def.name}_count`, labels: s.labels, value: count },
    ];
  });
  const metric = { name: def.name, help: def.help, type: 'histogram', aggregator: 'sum', values };
  return { ...metric, get: async () => metric, reset: () => {} };
}

export async function renderPrometheus(series: readonly Series[]): Promise<Exposition> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  const merged = mergeSeries(series);
  for (const [key, def] of Object.entries(metricCatalog) as Array<[MetricKey, MetricDefinition]>) {
    const list = merged.get(key) ?? [];
    if (def.type === 'histogram') {
      registry.registerMetric(histogramMetric(def, list.filter(isHistogram)) as never);
      continue;
    }
    const values = list.filter((s): s is ValueSeries => !isHistogram(s));
    const options = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [registry] };
    if (def.type === 'counter') {
      const counter = new prom.Counter(options);
      for (const s of values) counter.inc(s.labels, s.value);
    } else {
      const gauge = new prom.Gauge(options);
      for (const s of values) gauge.set(s.labels, s.value);
    }
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
