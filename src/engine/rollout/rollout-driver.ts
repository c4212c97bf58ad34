// Drives rollouts: loads one, lets its strategy take one step, writes the result, repeats.
// Each step is idempotent and its outcome is stored before the next, so a control plane killed
// at any point resumes exactly where it was (the run's deploy stage drives it again).
import { randomUUID } from 'node:crypto';
import { RolloutPhase, RolloutState, type Release, type Rollout } from '../../store/records.ts';
import type { StrategyKind } from '../../spec/spec.ts';
import { ErrorCode, errorMessage, oneOf, SluiceError } from '../../errors.ts';
import { generationOf, parseReleaseConfig, type ReleaseConfig } from '../deploy/release-config.ts';
import { advanceBlueGreen } from './blue-green.ts';
import { advanceCanary } from './canary.ts';
import { roleOf, stopWhere, type ReleaseRef } from './instances.ts';
import { removePreview, setTraffic } from './traffic.ts';
import { advanceRolling } from './rolling.ts';
import { planOf, type RolloutPlan } from './rollout-plan.ts';
import type { RolloutDeps, RolloutPatch, RolloutView } from './rollout-deps.ts';
import { environmentLabel } from '../../metrics/metric-catalog.ts';
import { storedDecisions, type StoredDecision } from './decisions.ts';
import { abortCause, abortRequest } from './abort-request.ts';

export const terminalRollout = new Set(['promoted', 'aborted']);

/** The phases each strategy goes through; any other stored phase is an illegal state. */
const phasesOf: Record<StrategyKind, readonly RolloutPhase[]> = {
  rolling: [RolloutPhase.start, RolloutPhase.bake, RolloutPhase.done],
  canary: [RolloutPhase.start, RolloutPhase.step, RolloutPhase.promote, RolloutPhase.bake, RolloutPhase.done],
  blueGreen: [RolloutPhase.start, RolloutPhase.ready, RolloutPhase.switch, RolloutPhase.bake, RolloutPhase.done],
};

/** Errors that another try cannot fix: the rollout ends at once with the reason. */
function endsRollout(error: unknown): boolean {
  return error instanceof SluiceError && (error.code === ErrorCode.illegalTransition || error.code === ErrorCode.storedDataInvalid);
}

/** Wakes a driving loop now instead of at its next tick (a person's abort or promote). */
export class RolloutWakers {
  private readonly waiting = new Map<string, Set<() => void>>();

  wait(id: string, ms: number, sleep: (ms: number, signal: AbortSignal) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const wake = (): void => controller.abort();
    let set = this.waiting.get(id);
    if (!set) this.waiting.set(id, (set = new Set()));
    set.add(wake);
    return sleep(ms, controller.signal).finally(() => set.delete(wake));
  }

  wake(id: string): void {
    for (const w of this.waiting.get(id) ?? []) w();
  }
}

export class RolloutDriver {
  private readonly deps: RolloutDeps;
  private readonly wakers: RolloutWakers;

  constructor(
    deps: RolloutDeps,
    wakers: RolloutWakers = new RolloutWakers(),
  ) {
    this.deps = deps;
    this.wakers = wakers;
  }

  async create(target: Release, stable: Release | null, plan: RolloutPlan, runId: string | null): Promise<Rollout> {
    const now = this.deps.clock.now().toISOString();
    const rollout: Rollout = {
      id: randomUUID(),
      project: target.project,
      environment: target.environment,
      release: target.number,
      stable: stable?.number ?? null,
      runId,
      // An environment's first release has nothing to compare with: it is deployed directly.
      strategyJson: JSON.stringify(stable ? plan : { ...plan, strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 } }),
      state: 'progressing',
      phase: 'start',
      step: 0,
      stepStartedAt: null,
      windowJson: null,
      looks: 0,
      weightsJson: JSON.stringify(stable ? { stable: 100, canary: 0, baseline: 0 } : { stable: 0, canary: 100, baseline: 0 }),
      decisionsJson: '[]',
      promoteRequested: null,
      abortRequested: null,
      abortCause: null,
      reason: null,
      bakeUntil: null,
      scaleDownAt: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    await this.deps.store.createRollout(rollout);
    return rollout;
  }

  private async view(rollout: Rollout): Promise<RolloutView> {
    const { store } = this.deps;
    const target = await store.getRelease(rollout.project, rollout.environment, rollout.release);
    if (!target) throw new Error(`rollout ${rollout.id}: release ${rollout.release} is missing`);
    const stable = rollout.stable === null ? null : ((await store.getRelease(rollout.project, rollout.environment, rollout.stable)) ?? null);
    const config = (r: Release): ReleaseConfig => parseReleaseConfig(r.configJson, `release ${r.project}/${r.environment}#${r.number}`);
    return { rollout, target, targetConfig: config(target), stable, stableConfig: stable ? config(stable) : null };
  }

  /** One step of the rollout's strategy; returns the rollout as stored afterwards. */
  async advance(id: string): Promise<Rollout> {
    const { store, clock } = this.deps;
    const rollout = await store.getRollout(id);
    if (!rollout) throw new Error(`rollout ${id} is missing`);
    const entity = `rollout of release ${rollout.release} to ${rollout.environment}`;
    if (terminalRollout.has(oneOf(entity, 'state', rollout.state, Object.values(RolloutState)))) return rollout;
    const v = await this.view(rollout);
    // Without a stable release there is nothing to compare with or switch from: rolling.
    const kind = v.stable ? planOf(rollout.strategyJson, `rollout ${rollout.id}`).strategy.kind : 'rolling';
    oneOf(`${entity} (${kind})`, 'phase', rollout.phase, phasesOf[kind]);
    let patch: RolloutPatch | null;
    if (kind === 'canary') patch = await advanceCanary(this.deps, v);
    else if (kind === 'blueGreen') patch = await advanceBlueGreen(this.deps, v);
    else patch = await advanceRolling(this.deps, v);
    if (!patch || Object.keys(patch).length === 0) return rollout;
    const next = { ...patch, updatedAt: clock.now().toISOString() };
    await store.updateRollout(id, next);
    const after = { ...rollout, ...next };
    if (next.state === RolloutState.promoted || next.state === RolloutState.aborted) {
      this.countOutcome(rollout, kind, next.state);
      await this.emitOutcome(after, v.target, kind, rollout.phase);
    }
    return after;
  }

  private countOutcome(r: Rollout, strategy: string, outcome: string): void {
    this.deps.metrics?.count('rollouts', { project: r.project, environment: environmentLabel(r.environment), strategy, outcome });
  }

  /** rollout.promoted or rollout.aborted, with the reason and the figures of the analysis that ended it. */
  private async emitOutcome(r: Rollout, target: Release, strategy: string, phase: string): Promise<void> {
    if (!this.deps.emit) return;
    const at = this.deps.clock.now().toISOString();
    const rollbackOf = target.rolledBackFrom !== null ? { rollbackOf: target.rolledBackFrom } : {};
    if (r.state === RolloutState.promoted) {
      await this.deps.emit({ kind: 'rollout.promoted', release: target, at, summary: `${r.environment}: rollout of release ${r.release} promoted`, facts: { strategy, ...rollbackOf } });
      return;
    }
    const { cause, failure } = abortCause(r);
    const step = phase === 'bake' ? 'bake' : r.step;
    let decisions: StoredDecision[] = [];
    try {
      decisions = storedDecisions(r).filter((d) => d.step === step).slice(-20);
    } catch {
      // Unreadable decisions (the reason the rollout ended, perhaps): the event goes without them.
    }
    await this.deps.emit({
      kind: 'rollout.aborted',
      release: target,
      at,
      cause,
      summary: `${r.environment}: rollout of release ${r.release} aborted: ${r.reason ?? 'no reason given'}`,
      facts: { strategy, reason: r.reason, phase, step, failure, decisions, ...rollbackOf },
    });
  }

  /** Advances until the rollout ends or `until` holds; a step error is retried, then ends it. */
  async drive(id: string, opts: { signal?: AbortSignal; until?: (r: Rollout) => boolean; tickMs?: number } = {}): Promise<Rollout> {
    const tick = opts.tickMs ?? 500;
    let failures = 0;
    for (;;) {
      if (opts.signal?.aborted) {
        const r = await this.deps.store.getRollout(id);
        if (r && !terminalRollout.has(r.state) && !r.abortRequested) await this.deps.store.updateRollout(id, abortRequest(`the run was ${String(opts.signal.reason ?? 'cancelled')}`, 'server'));
      }
      let r: Rollout;
      try {
        r = await this.advance(id);
        failures = 0;
      } catch (error) {
        if (endsRollout(error)) return this.end(id, errorMessage(error));
        failures++;
        this.deps.log(`rollout step failed (${failures}/5): ${errorMessage(error)}`);
        if (failures >= 5) {
          await this.deps.store.updateRollout(id, abortRequest(`rollout step failed: ${errorMessage(error)}`, 'server'));
        }
        if (failures >= 8) throw error;
        await this.deps.clock.sleep(tick);
        continue;
      }
      if (terminalRollout.has(r.state) || opts.until?.(r)) return r;
      await this.wakers.wait(id, tick, (ms, signal) => this.deps.clock.sleep(ms, signal));
    }
  }

  /**
   * Ends a rollout no strategy can go on with (its stored state is illegal): what serves is not
   * known, so its release fails and the environment is degraded, both with the reason.
   */
  private async end(id: string, reason: string): Promise<Rollout> {
    const { store, clock } = this.deps;
    const r = await store.getRollout(id);
    if (!r) throw new Error(`rollout ${id} is missing`);
    const now = clock.now().toISOString();
    this.deps.log(`rollout of release ${r.release} to ${r.environment} ended: ${reason}`);
    await store.updateRelease(r.project, r.environment, r.release, { state: 'failed', reason });
    await store.updateEnvironment(r.project, r.environment, { state: 'degraded', reason, updatedAt: now });
    const patch = { state: RolloutState.aborted, phase: RolloutPhase.done, reason, finishedAt: now, updatedAt: now };
    await store.updateRollout(id, patch);
    this.countOutcome(r, 'unknown', RolloutState.aborted);
    const target = await store.getRelease(r.project, r.environment, r.release);
    if (target) await this.emitOutcome({ ...r, ...patch }, target, 'unknown', r.phase);
    return { ...r, ...patch };
  }

  /** All traffic to the running instances of a release (verified), then every other instance of the environment stops. */
  async switchTo(ref: ReleaseRef): Promise<void> {
    await setTraffic(this.deps, { project: ref.project, environment: ref.environment, config: ref.config }, [{ ref, role: 'primary', weight: 100 }]);
    await removePreview(this.deps, ref.project, ref.environment, ref.config);
    await stopWhere(this.deps, ref.project, ref.environment, (i) => i.labels.release !== String(ref.number) || roleOf(i) === 'baseline');
  }

  /** Blue instances whose warm window has passed are stopped. */
  async scaleDownDue(): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now().toISOString();
    for (const r of await store.listRollouts({ states: ['promoted'] })) {
      if (!r.scaleDownAt || r.scaleDownAt > now || r.stable === null) continue;
      const env = await store.getEnvironment(r.project, r.environment);
      const current = env?.currentRelease == null ? undefined : await store.getRelease(r.project, r.environment, env.currentRelease);
      // Never the instances that serve the live release (a switch-back may have made blue live again).
      const keep = new Set([String(r.release), ...(current ? [String(generationOf(current, parseReleaseConfig(current.configJson)))] : [])]);
      await stopWhere(this.deps, r.project, r.environment, (i) => i.labels.release === String(r.stable) && !keep.has(i.labels.release ?? ''));
      await store.updateRollout(r.id, { scaleDownAt: null });
    }
  }
}
