// Where alerts and flag rollouts read traffic, chosen with the drivers (decision 0056): with
// --prometheus, alerts read the same PromQL figures canary analysis does, whatever the runtime;
// else the edge router's own counters. The Gateway router counts nothing Sluice can read, so
// without --prometheus its alerts on traffic are said to be blind, and flag rollouts (which
// need requests told apart by variant, which no Gateway or preset does) are refused.
import type { AlertTraffic } from '../engine/alerts/alert-traffic.ts';
import type { ReleaseFigures } from '../engine/rollout/rollout-deps.ts';

export interface TrafficSources {
  alerts: AlertTraffic;
  /** Why flag rollouts cannot run (their starts are refused with it); undefined: they can. */
  flagRolloutsRefused?: string;
}

/** Prometheus is read at most this often for alerts (its scrapes come seconds apart). */
const FIGURES_EVERY_MS = 5_000;

export function trafficSources(opts: { figures: ReleaseFigures | undefined; router: 'edge' | 'gateway' }): TrafficSources {
  const alerts: AlertTraffic = opts.figures
    ? { from: 'figures', figures: opts.figures, everyMs: FIGURES_EVERY_MS }
    : opts.router === 'gateway'
      ? { from: 'none', why: 'the Gateway router counts no requests Sluice can read: start the server with --prometheus URL to read them from Prometheus' }
      : { from: 'router' };
  if (opts.router === 'edge') return { alerts };
  return { alerts, flagRolloutsRefused: 'the Gateway router cannot tell requests apart by flag variant (only the edge router attributes them, per evaluation), so a rollout would be judged on no figures' };
}
