// Alerts of an environment (`environments.NAME.alerts`): what each metric measures, in which
// unit its threshold is written, and the compiled form the engine's evaluator works with.
import { DURATION_PATTERN, parseDuration } from './duration.ts';
import { PERCENT_PATTERN, parsePercent } from './percent.ts';

export const ALERT_METRICS = ['errorRate', 'p99', 'p95', 'p50', 'restarts', 'requests'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export const ALERT_ACTIONS = ['rollback', 'notify'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];
export type AlertComparison = 'above' | 'below';

/** Quantile of each latency metric. */
export const LATENCY_QUANTILES: Readonly<Partial<Record<AlertMetric, number>>> = { p99: 0.99, p95: 0.95, p50: 0.5 };

export type AlertSpec = {
  readonly name: string;
  readonly metric: AlertMetric;
  readonly comparison: AlertComparison;
  /**
   * errorRate: a fraction (0.02 for 2%); p99/p95/p50: milliseconds; restarts: a count over the
   * `for` span; requests: a count per evaluation window (`N/s` is converted at compile time).
   */
  readonly threshold: number;
  readonly forMs: number;
  readonly action: AlertAction;
};

/** What a threshold of each metric is written as; the message of a threshold of another unit. */
export const THRESHOLD_UNITS: Readonly<Record<AlertMetric, string>> = {
  errorRate: 'a percentage such as 2%',
  p99: 'a duration with its unit such as 800ms or 1.5s',
  p95: 'a duration with its unit such as 800ms or 1.5s',
  p50: 'a duration with its unit such as 800ms or 1.5s',
  restarts: 'a whole number of restarts such as 3',
  requests: 'a whole number of requests per window such as 10, or a rate such as 5/s',
};

const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*s$/;

/**
 * The threshold in the metric's compiled unit, or null when it is written in another unit.
 * `windowMs` converts a request rate (`5/s`) to a count per window.
 */
export function alertThreshold(metric: AlertMetric, raw: string | number, windowMs: number): number | null {
  switch (metric) {
    case 'errorRate':
      return typeof raw === 'string' && PERCENT_PATTERN.test(raw.trim()) && Number(raw.trim().slice(0, -1)) <= 100 ? parsePercent(raw) : null;
    case 'p99':
    case 'p95':
    case 'p50':
      // A bare number would be seconds elsewhere in the file: a latency must say its unit.
      return typeof raw === 'string' && DURATION_PATTERN.test(raw.trim()) && /[a-z]$/.test(raw.trim()) ? parseDuration(raw) : null;
    case 'restarts':
      return typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : null;
    case 'requests': {
      if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 0 ? raw : null;
      const rate = RATE.exec(raw.trim());
      return rate ? (Number(rate[1]) * windowMs) / 1000 : null;
    }
  }
}

/** An environment's alerts as written (the schema has checked each key's type). */
export interface RawAlertInput {
  name: string;
  metric: AlertMetric;
  above?: string | number | undefined;
  below?: string | number | undefined;
  for: string | number;
}

export interface AlertProblem {
  /** Path below the environment: ['alerts', i, 'above']. */
  path: (string | number)[];
  message: string;
}

/** What the schema cannot say key by key: one comparison, its unit, `for` ≥ the window, unique names. */
export function alertProblems(alerts: readonly RawAlertInput[], windowMs: number): AlertProblem[] {
  const problems: AlertProblem[] = [];
  const seen = new Set<string>();
  for (const [i, a] of alerts.entries()) {
    if (seen.has(a.name)) problems.push({ path: ['alerts', i, 'name'], message: `alert "${a.name}" is declared twice in this environment` });
    seen.add(a.name);
    if (a.above !== undefined && a.below !== undefined) problems.push({ path: ['alerts', i, 'below'], message: 'give either above or below, not both' });
    else if (a.above === undefined && a.below === undefined) problems.push({ path: ['alerts', i], message: `missing "above" or "below": the ${a.metric} threshold` });
    else {
      const key = a.above !== undefined ? 'above' : 'below';
      const raw = (a.above ?? a.below)!;
      if (alertThreshold(a.metric, raw, windowMs) === null) problems.push({ path: ['alerts', i, key], message: `${a.metric} is measured as ${THRESHOLD_UNITS[a.metric]}, got ${JSON.stringify(raw)}` });
    }
    const forMs = parseDuration(a.for);
    if (forMs < windowMs) problems.push({ path: ['alerts', i, 'for'], message: `for ${JSON.stringify(a.for)} is shorter than the evaluation window (${windowMs / 1000}s, alertWindow): it must be at least one window` });
  }
  return problems;
}
