// `sluice alerts NAME [--env ENV]`: every alert the live releases declare, with its state as
// stored and its latest figure as the evaluator last measured it.
import type { AlertChange, AlertState } from '../../alerts/alert-records.ts';
import type { AlertAction, AlertComparison, AlertMetric } from '../../spec/alert-spec.ts';
import type { AlertEvaluator } from './alert-evaluator.ts';
import type { WatchedEnvironments } from './watched-environments.ts';

export interface AlertView {
  name: string;
  environment: string;
  state: AlertState;
  /** When the state began; null before the first evaluation. */
  since: string | null;
  /** errorRate: a fraction; p99/p95/p50: ms; restarts, requests: counts. */
  value: number | null;
  threshold: number;
  samples: number;
  lastChange: AlertChange | null;
  metric: AlertMetric;
  comparison: AlertComparison;
  forSeconds: number;
  windowSeconds: number;
  action: AlertAction;
  release: number;
  /** The release this alert rolled back, if any. */
  rolledBackRelease: number | null;
  /** Why this server does not evaluate the alert (no traffic source: the Gateway router without --prometheus). */
  unevaluated?: string;
}

export async function alertViews(watched: WatchedEnvironments, evaluator: Pick<AlertEvaluator, 'currentStates' | 'figure' | 'unevaluated'>, project: string, environment?: string): Promise<AlertView[]> {
  const out: AlertView[] = [];
  const states = await evaluator.currentStates(project);
  for (const e of await watched.list(project)) {
    if (environment !== undefined && e.environment !== environment) continue;
    for (const a of e.alerts) {
      const s = states.get(`${e.environment}/${a.name}`);
      const live = evaluator.figure(project, e.environment, a.name);
      const unevaluated = evaluator.unevaluated(a);
      out.push({
        name: a.name,
        environment: e.environment,
        state: s?.state ?? 'inconclusive',
        since: s?.since ?? null,
        value: live ? live.value : (s?.value ?? null),
        threshold: a.threshold,
        samples: live ? live.samples : (s?.samples ?? 0),
        lastChange: s?.lastChange ?? null,
        metric: a.metric,
        comparison: a.comparison,
        forSeconds: a.forMs / 1000,
        windowSeconds: e.windowMs / 1000,
        action: a.action,
        release: e.release,
        rolledBackRelease: s?.rolledBackRelease ?? null,
        ...(unevaluated !== undefined ? { unevaluated } : {}),
      });
    }
  }
  return out;
}
