// The router's cumulative per-(host, release) metrics, summed per release over the hosts of
// one environment. A window is the difference of two such snapshots.
import { z } from 'zod';
import type { ReleaseMetrics } from '../../router/route-table.ts';
import { parseStored } from '../../store/stored-json.ts';
import type { Rollout } from '../../store/records.ts';
import { hostsOf } from '../deploy/hosts.ts';
import { domainNamesOf, type ReleaseConfig } from '../deploy/release-config.ts';
import type { RolloutDeps } from './rollout-deps.ts';

export type Snapshot = Record<string, ReleaseMetrics>;

/** Counters summed (host '*'): per release over an environment's hosts, or per flag variant. */
export function addMetrics(a: ReleaseMetrics | undefined, b: ReleaseMetrics): ReleaseMetrics {
  if (!a) return structuredClone(b);
  return {
    release: a.release,
    host: '*',
    requests: a.requests + b.requests,
    errors5xx: a.errors5xx + b.errors5xx,
    connectFailures: a.connectFailures + b.connectFailures,
    latency: { bounds: a.latency.bounds, counts: a.latency.counts.map((c, i) => c + (b.latency.counts[i] ?? 0)), sum: a.latency.sum + b.latency.sum },
  };
}

export async function snapshot(deps: RolloutDeps, project: string, environment: string, config: ReleaseConfig): Promise<Snapshot> {
  // A figures source (Prometheus) already sums per release over the environment.
  if (deps.figures) return deps.figures.releaseFigures({ project, environment });
  const hosts = new Set<string>();
  for (const [i, s] of config.services.entries()) {
    // Custom domains carry most real traffic: the analysis counts them with the router's own names.
    for (const h of hostsOf(deps.naming, project, environment, s.name, i === 0, domainNamesOf(config))) {
      hosts.add(h);
      hosts.add(`next.${h}`);
    }
  }
  const out: Snapshot = {};
  for (const m of await deps.router.metrics()) {
    if (hosts.has(m.host)) out[m.release] = addMetrics(out[m.release], m);
  }
  return out;
}

const count = z.number().min(0);
export const snapshotSchema = z.record(
  z.string(),
  z.object({
    release: z.string(),
    host: z.string(),
    requests: count,
    errors5xx: count,
    connectFailures: count,
    latency: z.object({ bounds: z.array(z.number()), counts: z.array(count), sum: z.number() }),
  }),
);

/** The figures at the start of a rollout's current window, checked (none stored: empty). */
export function windowOf(rollout: Pick<Rollout, 'id' | 'windowJson'>): Snapshot {
  return rollout.windowJson === null ? {} : parseStored(snapshotSchema, rollout.windowJson, `rollout ${rollout.id} (window)`);
}
