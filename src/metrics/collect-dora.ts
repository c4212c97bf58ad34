// Scrape-time DORA keys per project and environment, from stored events: one bounded read (the
// last 30 days plus the lookback, docs/dora.md), computed in memory. Previews (pr-N) are left
// out: they come and go (unbounded label values) and nothing is delivered through them.
import { DORA_EVENT_KINDS, doraKeys } from '../dora/dora-keys.ts';
import { LOOKBACK_MS, MAX_EVENTS } from '../dora/dora-report.ts';
import type { EventFilter, PlatformEvent } from '../events/platform-event.ts';
import type { Series } from './series.ts';

export const DORA_METRICS_WINDOW_MS = 30 * 86_400_000;

export interface DoraMetricsSource {
  listEvents(filter: EventFilter): Promise<PlatformEvent[]>;
}

export async function collectDora(source: DoraMetricsSource, now: Date): Promise<Series[]> {
  const since = new Date(now.getTime() - DORA_METRICS_WINDOW_MS);
  const events = await source.listEvents({ kinds: DORA_EVENT_KINDS, since: new Date(since.getTime() - LOOKBACK_MS).toISOString(), limit: MAX_EVENTS });
  const byEnvironment = new Map<string, PlatformEvent[]>();
  for (const e of events) {
    if (e.environment === null || /^pr-\d+$/.test(e.environment)) continue;
    const key = JSON.stringify([e.project, e.environment]);
    let list = byEnvironment.get(key);
    if (!list) byEnvironment.set(key, (list = []));
    list.push(e);
  }
  const out: Series[] = [];
  for (const [key, list] of byEnvironment) {
    const [project, environment] = JSON.parse(key) as [string, string];
    const k = doraKeys(list, { environment, since: since.toISOString(), until: now.toISOString() });
    const labels = { project, environment };
    const add = (metric: Series['metric'], value: number | null): void => {
      if (value !== null) out.push({ metric, labels, value });
    };
    add('doraDeploys', k.deploymentFrequency.deploys);
    add('doraDeploysPerDay', k.deploymentFrequency.perDay);
    add('doraLeadTimeP50', k.leadTimeForChanges.p50Seconds);
    add('doraLeadTimeP90', k.leadTimeForChanges.p90Seconds);
    add('doraChangeFailureRatio', k.changeFailureRate.ratio);
    add('doraChangesFailed', k.changeFailureRate.failed);
    add('doraTimeToRestoreP50', k.timeToRestore.p50Seconds);
    add('doraIncidents', k.timeToRestore.incidents);
  }
  return out;
}
