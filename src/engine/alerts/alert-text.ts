// How an alert's figures read for people: in the reason of a change, an event's summary and
// the reason a rolled-back release carries.
import { ms, pct } from '../../analysis/format.ts';
import { formatDuration } from '../../spec/duration.ts';
import type { AlertMetric, AlertSpec } from '../../spec/alert-spec.ts';
import type { AlertState } from '../../alerts/alert-records.ts';
import { breaches, MIN_ALERT_SAMPLES, type AlertFigure } from './alert-machine.ts';

export function formatAlertValue(metric: AlertMetric, value: number | null): string {
  if (value === null) return 'n/a';
  if (metric === 'errorRate') return pct(value);
  if (metric === 'p99' || metric === 'p95' || metric === 'p50') return ms(value);
  return String(Math.round(value * 100) / 100);
}

function samplesText(alert: AlertSpec, samples: number): string {
  return alert.metric === 'restarts' ? `${samples} instance(s)` : `${samples} requests`;
}

/** `errorRate 31.25% > 2.00% over 10s (1843 requests)`, or why the figure does not count. */
export function alertReason(alert: AlertSpec, figure: AlertFigure, windowMs: number, state: AlertState): string {
  const span = formatDuration(alert.metric === 'restarts' ? alert.forMs : windowMs);
  const threshold = formatAlertValue(alert.metric, alert.threshold);
  if (state === 'inconclusive') {
    if (alert.metric === 'restarts') return `restarts: no instance to watch`;
    if (alert.metric === 'requests') return `requests: ${formatAlertValue('requests', figure.value)} over ${span}, waiting for traffic before silence counts`;
    return `${alert.metric}: ${figure.samples} requests over ${span}, fewer than ${MIN_ALERT_SAMPLES}: too few to judge`;
  }
  const value = formatAlertValue(alert.metric, figure.value);
  const breach = figure.value !== null && breaches(alert, figure.value);
  const sign = alert.comparison === 'above' ? (breach ? '>' : '≤') : breach ? '<' : '≥';
  const lasting = state === 'firing' && alert.metric !== 'restarts' ? ` for ${formatDuration(alert.forMs)}` : '';
  return `${alert.metric} ${value} ${sign} ${threshold} over ${span} (${samplesText(alert, figure.samples)})${lasting}`;
}
