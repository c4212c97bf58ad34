// What a strategy works with: the Runtime and Router ports, the store, time, and naming.
import type { Router } from '../../router/router.ts';
import type { ReleaseMetrics } from '../../router/route-table.ts';
import type { Runtime } from '../../runtime/runtime.ts';
import type { Release, Rollout } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import type { Clock } from '../clock.ts';
import type { HostNaming } from '../deploy/hosts.ts';
import type { ReleaseConfig } from '../deploy/release-config.ts';
import type { DomainClaims } from '../domains/domain-claims.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { EmitReleaseEvent } from './release-event.ts';
import type { FlagService } from '../flags/flag-service.ts';
import type { Retiring } from '../deploy/retiring.ts';

/**
 * Where the analysis reads its per-release figures when not from the router: cumulative counters
 * per release of one environment (e.g. Prometheus through a PromQL preset, src/metrics/promql).
 */
export interface ReleaseFigures {
  releaseFigures(scope: { project: string; environment: string }): Promise<Record<string, ReleaseMetrics>>;
}

export interface RolloutDeps {
  store: Store;
  runtime: Runtime;
  router: Router;
  clock: Clock;
  naming: HostNaming;
  log: (line: string) => void;
  /** Values of the release's secret references (its exact versions). */
  secretValues: (config: ReleaseConfig) => Promise<Record<string, string>>;
  /** Custom domain claims: an aborted rollout gives the environment back the stable release's domains. */
  domains?: Pick<DomainClaims, 'claim' | 'release'>;
  /** Rollout outcomes and analysis verdicts are counted here; absent: nowhere. */
  metrics?: Metrics;
  /** Platform events (release.live, rollout.promoted/aborted, rollback); never throws. Absent: none. */
  emit?: EmitReleaseEvent;
  /** Feature flags: a release going live brings its flag file's definitions. Absent: flags are left alone. */
  flags?: Pick<FlagService, 'releaseLive'>;
  /** Stops of old instances a rolling update hands off instead of waiting for; absent: it waits. */
  retiring?: Retiring;
  /** The analysis's figures; absent: the router's own (router.metrics()). */
  figures?: ReleaseFigures;
}

/** A rollout with what its strategy needs loaded: the releases and their configurations. */
export interface RolloutView {
  rollout: Rollout;
  target: Release;
  targetConfig: ReleaseConfig;
  stable: Release | null;
  stableConfig: ReleaseConfig | null;
}

export interface Weights {
  stable: number;
  canary: number;
  baseline: number;
}

/** What one step of a strategy changes: persisted before the next step runs. */
export type RolloutPatch = Partial<Rollout>;
