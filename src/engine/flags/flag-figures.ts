// The router's per-variant figures of one flag (FlagVariantMetrics), summed over the hosts of
// its environment, as a snapshot keyed by variant; a window is the difference of two. The cohort
// is the variant rolled out; the rest is every other variant of the flag summed.
import { metricsDelta, sumStats, type WindowStats } from '../../analysis/window-stats.ts';
import type { FlagVariantMetrics } from '../../router/route-table.ts';
import { parseStored } from '../../store/stored-json.ts';
import { addMetrics, snapshotSchema, type Snapshot } from '../rollout/metrics-window.ts';

/** What the machine reads figures from: the Router port's flagMetrics (a fake in tests). */
export interface FlagFigures {
  flagMetrics(): Promise<FlagVariantMetrics[]>;
}

export async function flagSnapshot(figures: FlagFigures, project: string, environment: string, flag: string): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const m of await figures.flagMetrics()) {
    if (m.project !== project || m.environment !== environment || m.flag !== flag) continue;
    out[m.variant] = addMetrics(out[m.variant], { release: m.variant, host: m.host, requests: m.requests, errors5xx: m.errors5xx, connectFailures: m.connectFailures, latency: m.latency });
  }
  return out;
}

/** The figures at the start of a flag rollout's window, checked (none stored: empty). */
export function flagWindowOf(rollout: { id: string; windowJson: string | null }): Snapshot {
  return rollout.windowJson === null ? {} : parseStored(snapshotSchema, rollout.windowJson, `flag rollout ${rollout.id} (window)`);
}

/** The window's cohort (the variant) and rest (the flag's other variants). */
export function cohorts(now: Snapshot, start: Snapshot, variant: string, variants: readonly string[]): { cohort: WindowStats; rest: WindowStats } {
  return {
    cohort: metricsDelta(now[variant], start[variant]),
    rest: sumStats(variants.filter((v) => v !== variant).map((v) => metricsDelta(now[v], start[v]))),
  };
}
