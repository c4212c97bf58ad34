// `sluice flag rollout`: starts a flag rollout (checked first: nothing is written on bad input),
// shows the current or last one of a flag, and takes a person's abort or promote. The driver
// (flag-rollout-driver.ts) does the rest. Decision: docs/decisions/0038-flag-rollouts.md.
import { randomUUID } from 'node:crypto';
import { ConflictError, ErrorCode, InvalidInputError, NotFoundError, SluiceError } from '../../errors.ts';
import { ACTIVE_FLAG_ROLLOUT_STATES, type FlagRollout, type FlagRolloutPlan, type FlagRolloutRecords } from '../../flags/flag-rollout-records.ts';
import type { Clock } from '../clock.ts';
import type { FlagService } from './flag-service.ts';
import { parseRolloutRequest, type FlagRolloutRequest } from './flag-rollout-options.ts';
import { flagRolloutView, type FlagRolloutView } from './flag-rollout-view.ts';
import { unattributedReason, type FlagRolloutDeps } from './flag-rollout-deps.ts';

export interface FlagRolloutServiceDeps {
  store: FlagRolloutRecords;
  flags: Pick<FlagService, 'get'>;
  clock: Clock;
  /** The driver's next pass now (a start, abort or promote takes effect without waiting a tick). */
  wake(): void;
  /** Why variants cannot be counted here: every start is refused with it (FlagRolloutDeps.unattributed). */
  unattributed?: FlagRolloutDeps['unattributed'];
}

export class FlagRolloutService {
  readonly #deps: FlagRolloutServiceDeps;

  constructor(deps: FlagRolloutServiceDeps) {
    this.#deps = deps;
  }

  async start(project: string, environment: string, key: string, request: FlagRolloutRequest, actor: string): Promise<FlagRolloutView> {
    const why = this.#deps.unattributed;
    if (why !== undefined) throw new SluiceError(ErrorCode.unsupported, unattributedReason(why), { details: { key } });
    if (typeof request.variant !== 'string' || request.variant === '') throw new InvalidInputError('--variant: name the variant to roll out');
    const options = parseRolloutRequest(request);
    const flag = await this.#deps.flags.get(project, environment, key);
    if (flag.archived) throw new ConflictError(`flag ${key} is archived in ${project}/${environment} (removed from the flag file): put it back in the file to roll it out`, { key });
    const variants = Object.keys(flag.definition.variants);
    if (!variants.includes(options.variant)) throw new InvalidInputError(`flag ${key} has no variant "${options.variant}" (variants: ${variants.join(', ')})`, { variant: options.variant });
    if (variants.length < 2) throw new InvalidInputError(`flag ${key} has only the variant "${options.variant}": a rollout needs another to compare with`);
    const active = await this.#deps.store.latestFlagRollout(project, environment, key);
    if (active && ACTIVE_FLAG_ROLLOUT_STATES.includes(active.state)) throw this.#busy(project, environment, key, active);
    const plan: FlagRolloutPlan = { steps: options.steps, pauseMs: options.pauseMs, analysis: options.analysis, variants, prior: flag.override };
    const now = this.#deps.clock.now().toISOString();
    const rollout: FlagRollout = {
      id: randomUUID(), project, environment, flag: key, variant: options.variant, state: 'progressing', phase: 'start', step: 0,
      planJson: JSON.stringify(plan), stepStartedAt: null, windowJson: null, looks: 0, decisionsJson: '[]', reason: null,
      promoteRequested: null, abortRequested: null, abortCause: null, startedBy: actor, createdAt: now, updatedAt: now, finishedAt: null,
    };
    // Two starts at once: the store's one-active-rollout-per-flag index lets one in.
    if (!(await this.#deps.store.createFlagRollout(rollout))) {
      const other = await this.#deps.store.latestFlagRollout(project, environment, key);
      throw this.#busy(project, environment, key, other ?? rollout);
    }
    this.#deps.wake();
    return flagRolloutView(rollout);
  }

  /** The flag's current rollout, else its last one. */
  async status(project: string, environment: string, key: string): Promise<FlagRolloutView> {
    return flagRolloutView(await this.#latest(project, environment, key));
  }

  /** A flag's rollouts, newest first (at most `limit`): none is an empty list, not an error. */
  async list(project: string, environment: string, key: string, limit = 20): Promise<FlagRolloutView[]> {
    const all = await this.#deps.store.listFlagRollouts({ project, environment });
    return all.filter((r) => r.flag === key).reverse().slice(0, limit).map(flagRolloutView);
  }

  async abort(project: string, environment: string, key: string, actor: string): Promise<FlagRolloutView> {
    const r = await this.#active(project, environment, key, 'abort');
    const patch = { abortRequested: `aborted by ${actor}`, abortCause: `token:${actor}` };
    await this.#deps.store.updateFlagRollout(r.id, patch);
    this.#deps.wake();
    return flagRolloutView({ ...r, ...patch });
  }

  /** `full`: the variant to everyone now; else the next step now. */
  async promote(project: string, environment: string, key: string, full: boolean): Promise<FlagRolloutView> {
    const r = await this.#active(project, environment, key, 'promote');
    const patch = { promoteRequested: full ? ('full' as const) : ('next' as const) };
    await this.#deps.store.updateFlagRollout(r.id, patch);
    this.#deps.wake();
    return flagRolloutView({ ...r, ...patch });
  }

  async #latest(project: string, environment: string, key: string): Promise<FlagRollout> {
    const r = await this.#deps.store.latestFlagRollout(project, environment, key);
    if (!r) throw new NotFoundError('flag rollout', key, `flag ${key} of ${project}/${environment} has had no rollout: sluice flag rollout ${project} ${key} --env ${environment} --variant V --steps 5,25,50,100`);
    return r;
  }

  async #active(project: string, environment: string, key: string, what: string): Promise<FlagRollout> {
    const r = await this.#latest(project, environment, key);
    if (!ACTIVE_FLAG_ROLLOUT_STATES.includes(r.state)) throw new ConflictError(`nothing to ${what}: the last rollout of flag ${key} is ${r.state}${r.reason ? ` (${r.reason})` : ''}`, { key });
    return r;
  }

  #busy(project: string, environment: string, key: string, active: FlagRollout): ConflictError {
    return new ConflictError(`flag ${key} of ${project}/${environment} is already rolling out ${active.variant} (${active.state}, started by ${active.startedBy}): abort it first (sluice flag rollout ${project} ${key} --env ${environment} --abort)`, { key });
  }
}
