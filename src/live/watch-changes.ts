// The store, telling the change feed what it wrote. Every change of a run, stage, step,
// environment, release, rollout, preview or flag goes through one of these Store methods, from
// many places in the engine (executor, scheduler, approvals, the rollout and flag drivers), so the
// composition root wraps the store once rather than each place announcing its writes — the same
// shape as watchRunEnds. Published after the write succeeded, so a reader never re-reads too early.
// Stage, step and rollout updates name only their id: the owners are learnt from the rows the
// store hands out (the engine lists a run's stages before it changes one) and, failing that,
// read back once.
import type { Store } from '../store/store.ts';
import type { ChangeFeed } from './change-feed.ts';

/** A Map that forgets its oldest entries past `max` (ids of finished runs are never needed again). */
class Recent<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }
}

interface RunOwner {
  project: string;
  number: number;
}

export function watchChanges<S extends Store>(store: S, feed: ChangeFeed, logError: (message: string, error: unknown) => void = () => {}): S {
  const runs = new Recent<RunOwner>(5000);
  /** Stage and step id → run id. */
  const parts = new Recent<string>(20_000);
  /** Remembers whose rows these are; returns the run of the first. */
  const learnParts = (list: ReadonlyArray<{ id: string; runId: string }>): string | undefined => {
    for (const p of list) parts.set(p.id, p.runId);
    return list[0]?.runId;
  };
  const learnedParts = <T extends { id: string; runId: string }>(list: T[]): T[] => {
    learnParts(list);
    return list;
  };
  const rollouts = new Recent<{ project: string; environment: string }>(2000);
  const flagRollouts = new Recent<{ project: string; environment: string }>(2000);
  const learnRun = (r: { id: string; project: string; number: number } | undefined): void => {
    if (r) runs.set(r.id, { project: r.project, number: r.number });
  };
  const environment = (project: string, name: string): void => void feed.publish({ kind: 'environment', project, environment: name });
  /** Publishes a run change; an unknown run is read back first (off the writer's path). */
  const run = (id: string | undefined, state: string | null = null): void => {
    if (id === undefined) return;
    const known = runs.get(id);
    if (known) {
      feed.publish({ kind: 'run', project: known.project, run: { id, number: known.number, state } });
      return;
    }
    store.getRun(id).then(
      (r) => {
        learnRun(r);
        if (r) feed.publish({ kind: 'run', project: r.project, run: { id, number: r.number, state: state ?? r.state } });
      },
      (error: unknown) => logError(`live: reading run ${id}`, error),
    );
  };

  const overrides: Partial<Store> = {
    async createProject(project) {
      await store.createProject(project);
      feed.publish({ kind: 'project', project: project.name });
    },
    async updateProject(name, patch) {
      await store.updateProject(name, patch);
      feed.publish({ kind: 'project', project: name });
    },
    async createRun(r) {
      const created = await store.createRun(r);
      learnRun(created);
      run(created.id, created.state);
      return created;
    },
    async getRun(id) {
      const r = await store.getRun(id);
      learnRun(r);
      return r;
    },
    async updateRun(id, patch, from, owner) {
      const changed = await store.updateRun(id, patch, from, owner);
      if (changed) run(id, patch.state ?? null);
      return changed;
    },
    async claimRun(owner, leaseUntil, now) {
      const claimed = await store.claimRun(owner, leaseUntil, now);
      learnRun(claimed);
      if (claimed) run(claimed.id, claimed.state);
      return claimed;
    },
    async addStages(list) {
      await store.addStages(list);
      run(learnParts(list));
    },
    listStages: async (runId) => learnedParts(await store.listStages(runId)),
    async updateStage(id, patch) {
      await store.updateStage(id, patch);
      run(parts.get(id));
    },
    async addSteps(list) {
      await store.addSteps(list);
      run(learnParts(list));
    },
    listSteps: async (runId) => learnedParts(await store.listSteps(runId)),
    async updateStep(id, patch) {
      await store.updateStep(id, patch);
      run(parts.get(id));
    },
    async ensureEnvironment(project, name, now) {
      const env = await store.ensureEnvironment(project, name, now);
      environment(project, name);
      return env;
    },
    async updateEnvironment(project, name, patch) {
      await store.updateEnvironment(project, name, patch);
      environment(project, name);
    },
    async createRelease(release) {
      const created = await store.createRelease(release);
      environment(created.project, created.environment);
      return created;
    },
    async updateRelease(project, env, number, patch) {
      await store.updateRelease(project, env, number, patch);
      environment(project, env);
    },
    async createRollout(rollout) {
      await store.createRollout(rollout);
      rollouts.set(rollout.id, { project: rollout.project, environment: rollout.environment });
      environment(rollout.project, rollout.environment);
    },
    async getRollout(id) {
      const r = await store.getRollout(id);
      if (r) rollouts.set(r.id, { project: r.project, environment: r.environment });
      return r;
    },
    async updateRollout(id, patch) {
      await store.updateRollout(id, patch);
      const owner = rollouts.get(id) ?? (await store.getRollout(id).catch(() => undefined));
      if (owner) environment(owner.project, owner.environment);
    },
    async upsertPreview(preview) {
      await store.upsertPreview(preview);
      environment(preview.project, `pr-${preview.number}`);
    },
    async updatePreview(project, number, patch) {
      await store.updatePreview(project, number, patch);
      environment(project, `pr-${number}`);
    },
    async putFlagState(state, expectedVersion, changes) {
      const stored = await store.putFlagState(state, expectedVersion, changes);
      if (stored) feed.publish({ kind: 'flag', project: state.project, environment: state.environment });
      return stored;
    },
    async deleteFlagState(project, env) {
      await store.deleteFlagState(project, env);
      feed.publish({ kind: 'flag', project, environment: env });
    },
    async createFlagRollout(rollout) {
      const created = await store.createFlagRollout(rollout);
      flagRollouts.set(rollout.id, { project: rollout.project, environment: rollout.environment });
      if (created) feed.publish({ kind: 'flag', project: rollout.project, environment: rollout.environment });
      return created;
    },
    async updateFlagRollout(id, patch) {
      await store.updateFlagRollout(id, patch);
      const owner = flagRollouts.get(id) ?? (await store.getFlagRollout(id).catch(() => undefined));
      if (owner) feed.publish({ kind: 'flag', project: owner.project, environment: owner.environment });
    },
  };

  return new Proxy(store, {
    get(target, key) {
      if (typeof key === 'string' && Object.hasOwn(overrides, key)) return overrides[key as keyof Store];
      const value: unknown = Reflect.get(target, key, target);
      // Bound to the store itself: its methods use private fields, which a proxy does not have.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
