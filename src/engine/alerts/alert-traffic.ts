// Where the alert evaluator reads an environment's traffic (decision 0056): the router's own
// counters (the edge router), a figures source (Prometheus through a PromQL preset, the one
// canary analysis reads), or none (the Gateway router without --prometheus: it counts nothing
// Sluice can read, so traffic alerts are not judged at all rather than judged on zeros).
import type { ReleaseMetrics } from '../../router/route-table.ts';
import type { ReleaseFigures } from '../rollout/rollout-deps.ts';
import type { WatchedEnvironment } from './watched-environments.ts';

export type AlertTraffic =
  | { from: 'router' }
  | {
      from: 'figures';
      figures: ReleaseFigures;
      /** Time between two reads (Prometheus scrapes every few seconds at best: reading each tick only repeats the last scrape). */
      everyMs: number;
    }
  | {
      from: 'none';
      /** Why, in words: logged once for every alert that needs traffic. */
      why: string;
    };

/** Queries in flight at once: one environment costs a few PromQL queries. */
const PARALLEL_READS = 8;

/** Each environment's figures (`* release` → cumulative counters) read from the source, a few environments at a time. */
export async function readFiguresTraffic(figures: ReleaseFigures, environments: readonly WatchedEnvironment[]): Promise<Map<string, Map<string, ReleaseMetrics>>> {
  const out = new Map<string, Map<string, ReleaseMetrics>>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < environments.length) {
      const e = environments[next++]!;
      const byRelease = await figures.releaseFigures({ project: e.project, environment: e.environment });
      out.set(e.key, new Map(Object.values(byRelease).map((m) => [`${m.host} ${m.release}`, m])));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, environments.length) }, worker));
  return out;
}

/** Whether an alert reads traffic (every metric but restarts, which the runtime counts). */
export const readsTraffic = (alert: { metric: string }): boolean => alert.metric !== 'restarts';
