// Rollouts against a real SQLite store with a runtime and a router kept in memory: what the
// strategies decide is tested without processes. A runtime can be told to fail.
import type { RolloutDeps } from '../../src/engine/rollout/rollout-deps.ts';
import type { RolloutPlan } from '../../src/engine/rollout/rollout-plan.ts';
import type { DesiredBackend, Router } from '../../src/router/router.ts';
import type { FlagVariantMetrics, ReleaseMetrics, RouteTable } from '../../src/router/route-table.ts';
import { trafficFromMetrics, type TrafficAnswer } from '../../src/router/traffic-answer.ts';
import type { InstanceInfo, InstanceRequest, Runtime } from '../../src/runtime/runtime.ts';
import type { Release, Rollout } from '../../src/store/records.ts';
import type { SqlStore } from '../../src/store/sql/sql-store.ts';
import type { Fixture } from './engine-fixtures.ts';

export class MemoryRuntime implements Runtime {
  readonly instances = new Map<string, InstanceInfo>();
  /** When set, starting an instance fails with this reason. */
  failStarts: string | null = null;

  /** Keys prepared and not removed since. */
  readonly prepared = new Set<string>();

  async prepare(release: { key: string }): Promise<string> {
    this.prepared.add(release.key);
    return `/releases/${release.key}`;
  }
  async removeRelease(key: string): Promise<boolean> {
    return this.prepared.delete(key);
  }
  async startInstance(req: InstanceRequest): Promise<void> {
    if (this.failStarts) throw new Error(this.failStarts);
    this.instances.set(req.id, { id: req.id, state: 'ready', port: 1, pid: null, restarts: 0, reason: null, labels: req.labels });
  }
  async waitReady(): Promise<void> {}
  async stopInstance(id: string): Promise<void> {
    this.instances.delete(id);
  }
  async listInstances(): Promise<InstanceInfo[]> {
    return [...this.instances.values()];
  }
  logFileOf(): string | null {
    return null;
  }
}

export class MemoryRouter implements Router {
  readonly routes = new Map<string, DesiredBackend[]>();
  figures: ReleaseMetrics[] = [];
  flagFigures: FlagVariantMetrics[] = [];

  async setRoute(host: string, backends: DesiredBackend[]): Promise<void> {
    this.routes.set(host, backends);
  }
  async removeRoute(host: string): Promise<void> {
    this.routes.delete(host);
  }
  async applied(): Promise<RouteTable> {
    return { routes: [...this.routes].map(([host, backends]) => ({ host, backends: backends.map((b) => ({ release: b.release, weight: b.weight, targets: [] })) })) };
  }
  async metrics(): Promise<ReleaseMetrics[]> {
    return this.figures;
  }
  async traffic(): Promise<TrafficAnswer> {
    return trafficFromMetrics(await this.metrics());
  }
  async flagMetrics(): Promise<FlagVariantMetrics[]> {
    return this.flagFigures;
  }
}

/** Cumulative router figures for one release behind `ENV.PROJECT.localhost`. */
export function figures(release: string, requests: number, errors: number, host = 'production.app.localhost'): ReleaseMetrics {
  return { release, host, requests, errors5xx: errors, connectFailures: 0, latency: { bounds: [10, 100], counts: [requests, requests, requests], sum: requests } };
}

export function rolloutDeps(fx: Fixture, runtime: Runtime, router: Router, log: string[] = []): RolloutDeps {
  return {
    store: fx.store, runtime, router, clock: fx.clock, naming: { baseDomain: 'localhost', routerPort: 8080 },
    log: (line) => log.push(line),
    secretValues: async () => ({}),
  };
}

export const oneService = JSON.stringify({ services: [{ name: 'web', start: 'node server.js', health: null, instances: 1, env: {} }] });

/** Releases 1 (previous) and 2 (live) of app/production. */
export async function twoReleases(store: SqlStore): Promise<{ stable: Release; target: Release }> {
  await store.ensureEnvironment('app', 'production', '2030-01-01T00:00:00.000Z');
  const make = (state: string) => store.createRelease({
    project: 'app', environment: 'production', runId: null, runNumber: 1, commitSha: 'a'.repeat(40), artifactDigest: `sha256:${'0'.repeat(64)}`,
    configJson: oneService, state, reason: null, rolledBackFrom: null, createdAt: '2030-01-01T00:00:00.000Z',
  });
  const stable = await make('previous');
  const target = await make('live');
  await store.updateEnvironment('app', 'production', { currentRelease: target.number, desiredRelease: target.number, state: 'healthy' });
  return { stable, target };
}

/** A rollout of `target` over `stable` in the given phase. */
export async function storedRollout(store: SqlStore, target: Release, stable: Release | null, plan: RolloutPlan, patch: Partial<Rollout> = {}): Promise<Rollout> {
  const r: Rollout = {
    id: `rollout-${target.number}`, project: target.project, environment: target.environment, release: target.number, stable: stable?.number ?? null, runId: null,
    strategyJson: JSON.stringify(plan), state: 'progressing', phase: 'start', step: 0, stepStartedAt: null, windowJson: null, looks: 0,
    weightsJson: JSON.stringify({ stable: 0, canary: 100, baseline: 0 }), decisionsJson: '[]', promoteRequested: null, abortRequested: null, abortCause: null, reason: null,
    bakeUntil: null, scaleDownAt: null, createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:00.000Z', finishedAt: null, ...patch,
  };
  await store.createRollout(r);
  return r;
}
