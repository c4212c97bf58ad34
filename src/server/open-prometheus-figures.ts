// The analysis's figures from Prometheus (--prometheus URL, --prometheus-preset NAME).
import type { PrometheusSettings } from '../config/cluster-options.ts';
import type { ReleaseFigures } from '../engine/rollout/rollout-deps.ts';
import { prometheusQuery } from '../metrics/promql/prometheus-query.ts';
import { PromqlFigures } from '../metrics/promql/promql-figures.ts';
import { promqlPresets } from '../metrics/promql/promql-presets.ts';

export function openPrometheusFigures(settings: PrometheusSettings): ReleaseFigures {
  return new PromqlFigures(prometheusQuery(settings.url), promqlPresets[settings.preset]);
}
