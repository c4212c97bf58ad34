// Drives every active flag rollout from the store: one loop, a tick apart (woken at once by a
// start, an abort or a promote). Each advance's outcome is stored before the next, so a server
// that dies resumes every progressing rollout where it was at its next start. With several
// servers on one store only the holder of the `flag-rollouts` lease drives them.
import { ErrorCode, errorMessage, SluiceError } from '../../errors.ts';
import { ACTIVE_FLAG_ROLLOUT_STATES, type FlagRollout } from '../../flags/flag-rollout-records.ts';
import type { SingletonLease } from '../singleton-lease.ts';
import { storedDecisions, type StoredDecision } from '../rollout/decisions.ts';
import { unattributedReason, type FlagRolloutDeps } from './flag-rollout-deps.ts';
import { advanceFlagRollout, planOfFlagRollout } from './flag-rollout-machine.ts';

const TICK_MS = 250;
/** Failed advances in a row before the rollout is aborted (its flag put back). */
const MAX_FAILURES = 5;

export interface FlagRolloutDriverOptions {
  tickMs?: number;
  lease?: Pick<SingletonLease, 'hold' | 'release'>;
}

export class FlagRolloutDriver {
  readonly #deps: FlagRolloutDeps;
  readonly #opts: FlagRolloutDriverOptions;
  readonly #failures = new Map<string, number>();
  #wake = new AbortController();
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(deps: FlagRolloutDeps, opts: FlagRolloutDriverOptions = {}) {
    this.#deps = deps;
    this.#opts = opts;
  }

  /** Starts the loop: every progressing or paused rollout in the store is driven (a restart resumes them). */
  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
    await this.#opts.lease?.release();
  }

  /** The loop's next pass now instead of at its tick. */
  wake(): void {
    this.#wake.abort();
  }

  /** One pass over the active rollouts (what the loop does each tick). */
  async pass(): Promise<void> {
    if (this.#opts.lease && !(await this.#opts.lease.hold())) return;
    for (const r of await this.#deps.store.listFlagRollouts({ states: ACTIVE_FLAG_ROLLOUT_STATES })) {
      if (this.#stopped) return;
      await this.advance(r);
    }
  }

  /** One move of one rollout; returns it as stored afterwards. Errors are counted, never thrown. */
  async advance(r: FlagRollout): Promise<FlagRollout> {
    const why = this.#deps.unattributed;
    // Started before this server could not count variants: turned back rather than stepped blind.
    if (why !== undefined && r.abortRequested === null) {
      const patch = { abortRequested: unattributedReason(why), abortCause: 'server' };
      await this.#deps.store.updateFlagRollout(r.id, patch);
      r = { ...r, ...patch };
    }
    try {
      const patch = await advanceFlagRollout(this.#deps, r);
      this.#failures.delete(r.id);
      if (!patch) return r;
      return await this.#store(r, patch);
    } catch (error) {
      return this.#failed(r, error);
    }
  }

  async #store(r: FlagRollout, patch: Partial<FlagRollout>): Promise<FlagRollout> {
    const next = { ...r, ...patch, updatedAt: this.#deps.clock.now().toISOString() };
    await this.#deps.store.updateFlagRollout(r.id, { ...patch, updatedAt: next.updatedAt });
    if (next.state === 'promoted' || next.state === 'aborted') await this.#ended(next);
    return next;
  }

  async #failed(r: FlagRollout, error: unknown): Promise<FlagRollout> {
    const message = errorMessage(error);
    // A stored state no code can go on with: it ends as it is, with the reason.
    if (error instanceof SluiceError && (error.code === ErrorCode.storedDataInvalid || error.code === ErrorCode.illegalTransition)) {
      this.#deps.log(`flag rollout ${r.id} ended: ${message}`);
      return this.#store(r, { state: 'aborted', phase: 'done', reason: message, finishedAt: this.#deps.clock.now().toISOString() });
    }
    const failures = (this.#failures.get(r.id) ?? 0) + 1;
    this.#failures.set(r.id, failures);
    this.#deps.log(`flag rollout ${r.id} (${r.flag}) step failed (${failures}/${MAX_FAILURES}): ${message}`);
    if (failures >= MAX_FAILURES && r.abortRequested === null) {
      await this.#deps.store.updateFlagRollout(r.id, { abortRequested: `flag rollout step failed: ${message}`, abortCause: 'server' });
      return { ...r, abortRequested: `flag rollout step failed: ${message}`, abortCause: 'server' };
    }
    return r;
  }

  /** The flag is no longer attributed, and the platform hears of the outcome. */
  async #ended(r: FlagRollout): Promise<void> {
    await this.#deps.flags.republish(r.project, r.environment).catch((e: unknown) => this.#deps.log(`flags of ${r.project}/${r.environment} not republished: ${errorMessage(e)}`));
    if (!this.#deps.events) return;
    let decisions: StoredDecision[] = [];
    let percent: number | null = null;
    try {
      decisions = storedDecisions(r).filter((d) => d.step === r.step).slice(-20);
      percent = planOfFlagRollout(r).steps[r.step] ?? null;
    } catch {
      // Unreadable stored figures (perhaps why it ended): the event goes without them.
    }
    const aborted = r.state === 'aborted';
    await this.#deps.events.emit({
      kind: aborted ? 'rollout.aborted' : 'rollout.promoted',
      at: r.updatedAt,
      project: r.project,
      environment: r.environment,
      release: null,
      run: null,
      commit: null,
      cause: aborted ? (r.abortCause ?? (r.abortRequested === null ? 'analysis' : 'server')) : `token:${r.startedBy}`,
      summary: aborted ? `${r.environment}: flag ${r.flag} rollout of ${r.variant} aborted: ${r.reason ?? 'no reason given'}` : `${r.environment}: flag ${r.flag} serves ${r.variant} to everyone`,
      facts: { strategy: 'flag', flag: r.flag, variant: r.variant, rollout: r.id, step: r.step, percent, reason: r.reason, ...(aborted ? { failure: r.abortRequested === null, decisions } : {}) },
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      // A wake during the pass makes the sleep after it return at once.
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
      try {
        await this.pass();
      } catch (error) {
        this.#deps.log(`flag rollouts: ${errorMessage(error)}`);
      }
      if (this.#stopped) return;
      await this.#deps.clock.sleep(this.#opts.tickMs ?? TICK_MS, this.#wake.signal);
    }
  }
}
