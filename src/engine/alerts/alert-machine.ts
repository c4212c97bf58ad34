// One alert's state machine, pure: the previous state, the alert and this tick's figure in,
// the next state out. ok → pending (the breach began) → firing (it lasted `for`) → ok, and
// inconclusive whenever the figure rests on too few samples: too little data never fires.
import type { AlertState } from '../../alerts/alert-records.ts';
import type { AlertSpec } from '../../spec/alert-spec.ts';

/** What the evaluator measured for one alert over its window. */
export interface AlertFigure {
  /** null: nothing to measure (no request, no latency sample). */
  value: number | null;
  samples: number;
  /** Enough samples to judge (errorRate and latency: MIN_ALERT_SAMPLES requests; restarts: an instance). */
  enough: boolean;
}

export interface AlertPosition {
  state: AlertState;
  /** ISO time the state began. */
  since: string;
}

/**
 * Fewest requests in a window for errorRate and latency to count: below it one failed request
 * in a quiet minute would be a 100 % error rate (the same floor as canary analysis, 20).
 */
export const MIN_ALERT_SAMPLES = 20;

export function breaches(alert: Pick<AlertSpec, 'comparison' | 'threshold'>, value: number): boolean {
  return alert.comparison === 'above' ? value > alert.threshold : value < alert.threshold;
}

export function nextAlertPosition(prev: AlertPosition, alert: AlertSpec, figure: AlertFigure, now: Date): AlertPosition {
  const at = now.toISOString();
  const move = (state: AlertState): AlertPosition => (state === prev.state ? prev : { state, since: at });
  if (!figure.enough || figure.value === null) return move('inconclusive');
  const breach = breaches(alert, figure.value);
  // Silence is only news after traffic: a requests-below alert stays inconclusive until the
  // environment has once served at least the threshold (kept across restarts: it is the state).
  if (alert.metric === 'requests' && alert.comparison === 'below' && prev.state === 'inconclusive' && breach) return prev;
  if (!breach) return move('ok');
  // restarts are counted over the `for` span itself: a count above the threshold has lasted it.
  if (alert.metric === 'restarts') return move('firing');
  switch (prev.state) {
    case 'firing':
      return prev;
    case 'pending':
      return now.getTime() - Date.parse(prev.since) >= alert.forMs ? move('firing') : prev;
    case 'ok':
    case 'inconclusive':
      return move('pending');
  }
}
