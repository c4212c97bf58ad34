// The control plane's side of feature flags. Each change (a release going live with its flag
// file, `sluice flag set`, `sluice flag revert`) is one new version of the environment's flag
// state in the store, written by compare-and-set with its history rows; then what the
// endpoints serve (definitions with overrides) is published through the FlagPublisher port,
// and a command returns only once that resolved. Decision: docs/decisions/0033-flags-as-code.md.
import { applyDefinitions, describeOverride } from '../../flags/apply-definitions.ts';
import type { FlagPublisher } from '../../flags/flag-publisher.ts';
import { applyCommand, composeFlag, overrideMismatch, type FlagCommand, type FlagOverride } from '../../flags/flag-overrides.ts';
import { environmentFlagsOf, snapshotOf, type FlagChange, type FlagEnvironmentState, type FlagRecords } from '../../flags/flag-records.ts';
import type { FlagFile } from '../../flags/flag-file.ts';
import { ConflictError, InvalidInputError, NotFoundError, SluiceError, ErrorCode, errorMessage } from '../../errors.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { flagView, type FlagListView, type FlagView } from './flag-views.ts';

export interface FlagServiceDeps {
  store: FlagRecords;
  clock: Clock;
  logger: Pick<Logger, 'info' | 'error'>;
  /** The evaluation endpoints (the data plane's OFREP server); absent: flags are stored, not served. */
  publisher?: FlagPublisher;
  /** How long a deploy waits for its flags to be served before it goes on with a warning (default 10 s). */
  deployPublishMs?: number;
  /** Keys of the environment's flags under an active flag rollout (EnvironmentFlags.attributed); absent: none. */
  attributed?: (project: string, environment: string) => Promise<string[]>;
}

/** A release's flags as it carries them in its configuration; absent: its file had no `flags:`. */
export interface ReleaseFlagFile {
  fileName: string;
  file: FlagFile;
}

const NO_FLAGS: FlagFile = { flags: {}, evaluators: {}, clientFlags: [] };
/** Compare-and-set rounds before a change gives up (each lost round means another change got in). */
const WRITE_ATTEMPTS = 8;
const HISTORY_SCAN = 1000;
const DEPLOY_PUBLISH_MS = 10_000;
const PREVIOUS_PUBLISH_MS = 30_000;

/** The promise, or a rejection after `ms`: a deploy never hangs on an endpoint that does not answer. */
function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not confirmed within ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

export class FlagService {
  readonly #deps: FlagServiceDeps;
  /** Per environment: publishes one after another, so an older version never lands last. */
  readonly #publishing = new Map<string, Promise<void>>();

  constructor(deps: FlagServiceDeps) {
    this.#deps = deps;
  }

  /** A release went live: its file's definitions become the environment's (see applyDefinitions). */
  async releaseLive(project: string, environment: string, release: number, flags: ReleaseFlagFile | undefined, log: (line: string) => void): Promise<void> {
    const lines = await this.#write(project, environment, (before) => {
      if (flags === undefined && before === undefined) return null;
      const applied = applyDefinitions(before, { project, environment, release, fileName: flags?.fileName ?? 'the flag file (sluice.yaml names none)', file: flags?.file ?? NO_FLAGS, at: this.#now() });
      return applied && { state: applied.state, changes: applied.changes, result: applied.log };
    });
    if (lines === null) return;
    for (const line of lines) log(line);
    try {
      await bounded(this.#publish(project, environment), this.#deps.deployPublishMs ?? DEPLOY_PUBLISH_MS);
    } catch (error) {
      log(`warning: flags of ${environment} stored but not yet served: ${errorMessage(error)} (published again at the next change or server start)`);
    }
  }

  async list(project: string, environment: string): Promise<FlagListView> {
    const state = await this.#deps.store.getFlagState(project, environment);
    const keys = [...Object.keys(state?.definitions.flags ?? {}), ...Object.keys(state?.archived ?? {})].sort();
    return { project, environment, version: state?.version ?? 0, release: state?.release ?? null, flags: keys.map((key) => flagView(state!, key)) };
  }

  async get(project: string, environment: string, key: string): Promise<FlagView & { project: string; environment: string; version: number; release: number | null }> {
    const state = await this.#deps.store.getFlagState(project, environment);
    if (!state || snapshotOf(state, key).definition === null) throw new NotFoundError('flag', key, `not in ${project}/${environment}: sluice flag list ${project} --env ${environment}`);
    return { project, environment, version: state.version, release: state.release, ...flagView(state, key) };
  }

  async history(project: string, environment: string, key: string, limit = 100): Promise<FlagChange[]> {
    return this.#deps.store.listFlagChanges({ project, environment, key, limit });
  }

  /** `sluice flag set`: one change of one live flag's override, stored, then published. */
  async set(project: string, environment: string, key: string, command: FlagCommand, actor: string): Promise<FlagView & { version: number; published: boolean }> {
    const version = await this.#write(project, environment, (before) => {
      const definition = liveDefinition(before, project, environment, key);
      const current = before!.overrides[key];
      const override = applyCommand(key, definition, current, command);
      return this.#overrideChange(before!, key, override, actor, 'set', describeCommand(command));
    });
    return this.#published(project, environment, key, version!);
  }

  /** `sluice flag revert --to V`: the flag's override as it was right after version V (none before its first). */
  async revert(project: string, environment: string, key: string, to: number, actor: string): Promise<FlagView & { version: number; published: boolean }> {
    if (!Number.isInteger(to) || to < 0) throw new InvalidInputError(`--to ${to}: expected a version number (sluice flag history shows them)`);
    const history = await this.#deps.store.listFlagChanges({ project, environment, key, limit: HISTORY_SCAN });
    const version = await this.#write(project, environment, (before) => {
      const definition = liveDefinition(before, project, environment, key);
      if (to > before!.version) throw new InvalidInputError(`--to ${to}: ${project}/${environment} is at version ${before!.version}`);
      const at = history.find((c) => c.version <= to);
      const override = at?.after.override ?? undefined;
      const mismatch = override ? overrideMismatch(definition, override) : undefined;
      if (mismatch) throw new InvalidInputError(`flag ${key} cannot go back to version ${to}: ${mismatch}`);
      return this.#overrideChange(before!, key, override, actor, 'revert', `revert to version ${to}${override ? ` (${describeOverride(override)})` : ' (no override)'}`);
    });
    return this.#published(project, environment, key, version!);
  }

  /**
   * Puts a flag's override back as it was (a flag rollout aborted: what the flag served before
   * it), stored as a `set` change with its summary, then published.
   */
  async restoreOverride(project: string, environment: string, key: string, override: FlagOverride | null, actor: string, summary: string): Promise<FlagView & { version: number; published: boolean }> {
    const version = await this.#write(project, environment, (before) => {
      const definition = liveDefinition(before, project, environment, key);
      const mismatch = override ? overrideMismatch(definition, override) : undefined;
      if (mismatch) throw new InvalidInputError(`flag ${key} cannot go back to what it served before: ${mismatch}`);
      return this.#overrideChange(before!, key, override ?? undefined, actor, 'set', summary);
    });
    return this.#published(project, environment, key, version!);
  }

  /** Publishes the environment's flags again (what is attributed changed: a flag rollout began or ended). */
  republish(project: string, environment: string): Promise<void> {
    return this.#publish(project, environment);
  }

  /** The environment is gone: its endpoints stop answering and its flag state is removed. */
  async withdraw(project: string, environment: string): Promise<void> {
    await this.#deps.publisher?.withdraw(project, environment);
    await this.#deps.store.deleteFlagState(project, environment);
  }

  /** At server start: the data plane may have lost what it served, so every environment's flags again. */
  async republishAll(isLive: (project: string, environment: string) => Promise<boolean>): Promise<number> {
    if (!this.#deps.publisher) return 0;
    let count = 0;
    for (const state of await this.#deps.store.listFlagStates()) {
      try {
        if (await isLive(state.project, state.environment)) {
          await this.#publish(state.project, state.environment);
          count++;
        } else {
          await this.#deps.publisher.withdraw(state.project, state.environment);
        }
      } catch (error) {
        this.#deps.logger.error(`flags of ${state.project}/${state.environment} not published at start: ${errorMessage(error)}`);
      }
    }
    return count;
  }

  #overrideChange(before: FlagEnvironmentState, key: string, override: FlagOverride | undefined, actor: string, action: 'set' | 'revert', summary: string): { state: FlagEnvironmentState; changes: FlagChange[]; result: number } {
    const version = before.version + 1;
    const overrides = { ...before.overrides };
    if (override === undefined) delete overrides[key];
    else overrides[key] = override;
    const state: FlagEnvironmentState = { ...before, version, overrides, updatedAt: this.#now() };
    const change: FlagChange = { project: state.project, environment: state.environment, key, version, at: state.updatedAt, actor, action, release: state.release, before: snapshotOf(before, key), after: snapshotOf(state, key), summary };
    return { state, changes: [change], result: version };
  }

  async #published(project: string, environment: string, key: string, version: number): Promise<FlagView & { version: number; published: boolean }> {
    try {
      await this.#publish(project, environment);
    } catch (error) {
      throw new SluiceError(ErrorCode.unavailable, `flag ${key} changed (version ${version}) but not yet served: ${errorMessage(error)}`, { cause: error, retryable: true });
    }
    const state = await this.#deps.store.getFlagState(project, environment);
    return { ...flagView(state!, key), version, published: this.#deps.publisher !== undefined };
  }

  /** Read, change, compare-and-set; tried again while another writer got in first. */
  async #write<T>(project: string, environment: string, change: (before: FlagEnvironmentState | undefined) => { state: FlagEnvironmentState; changes: FlagChange[]; result: T } | null): Promise<T | null> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const before = await this.#deps.store.getFlagState(project, environment);
      const next = change(before);
      if (next === null) return null;
      if (await this.#deps.store.putFlagState(next.state, before?.version ?? null, next.changes)) return next.result;
    }
    throw new ConflictError(`flags of ${project}/${environment} kept changing under this change: try again`);
  }

  #publish(project: string, environment: string): Promise<void> {
    const publisher = this.#deps.publisher;
    if (!publisher) return Promise.resolve();
    const id = `${project}/${environment}`;
    // After the one before (bounded: a publish that never answers must not hold every later one).
    const run = bounded(this.#publishing.get(id) ?? Promise.resolve(), PREVIOUS_PUBLISH_MS)
      .catch(() => undefined)
      .then(async () => {
        // The newest state, whatever this call was for: a later version covers an earlier one.
        const state = await this.#deps.store.getFlagState(project, environment);
        if (!state) return;
        const attributed = (await this.#deps.attributed?.(project, environment)) ?? [];
        await publisher.publish({ ...environmentFlagsOf(state), ...(attributed.length ? { attributed } : {}) });
      });
    this.#publishing.set(id, run);
    void run.finally(() => {
      if (this.#publishing.get(id) === run) this.#publishing.delete(id);
    }).catch(() => undefined);
    return run;
  }

  #now(): string {
    return this.#deps.clock.now().toISOString();
  }
}

function liveDefinition(state: FlagEnvironmentState | undefined, project: string, environment: string, key: string): ReturnType<typeof composeFlag> {
  const definition = state?.definitions.flags[key];
  if (definition) return definition;
  if (state?.archived[key]) throw new ConflictError(`flag ${key} is archived in ${project}/${environment} (removed from the flag file by release ${state.archived[key].release ?? '?'}): put it back in the file to change it`, { key });
  throw new NotFoundError('flag', key, `not in ${project}/${environment}: sluice flag list ${project} --env ${environment}`);
}

function describeCommand(command: FlagCommand): string {
  switch (command.kind) {
    case 'variant':
      return `--variant ${command.variant}`;
    case 'percent':
      return `--percent ${command.percent}${command.variant ? `:${command.variant}` : ''}`;
    default:
      return `--${command.kind}`;
  }
}
