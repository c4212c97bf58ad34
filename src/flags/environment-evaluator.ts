// One environment's flags, evaluated by flagd's own code (@openfeature/flagd-core): the same
// JSONLogic engine, the same `fractional` (murmur3 bucketing), `sem_ver`, `starts_with`,
// `ends_with` and `$ref` expansion, so a user gets the variant flagd would give them. Pure and
// in-process: the data plane's OFREP server and the router's variant attribution call it.
import { InvalidInputError } from '../errors.ts';
import type { EnvironmentFlags } from './environment-flags.ts';
import type { FlagValue } from './flag-definition.ts';
import type { Evaluation, EvaluationContext, EvaluationErrorCode } from './flag-evaluator.ts';

type Metadata = Record<string, string | number | boolean>;

/** The part of flagd-core's FeatureFlag this module uses (Kysely-style: our own structural type). */
interface FlagdFlag {
  readonly state: string;
  readonly metadata: Metadata;
  evaluate(ctx: Record<string, unknown>): { value?: unknown; variant?: string; reason: string; errorCode?: string; errorMessage?: string; flagMetadata: Metadata };
}
interface FlagdLogger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}
/** flagd-core's FeatureFlag constructor: one flag, its targeting compiled once. */
export interface FlagdModule {
  FeatureFlag: new (key: string, flag: unknown, logger: FlagdLogger) => FlagdFlag;
}

/** Loads flagd-core (and its JSONLogic engine) on first use: a data plane without flags never pays for it. */
export async function loadFlagd(): Promise<FlagdModule> {
  return (await import('@openfeature/flagd-core')) as unknown as FlagdModule;
}

const quiet = (): void => {};
const silent: FlagdLogger = { error: quiet, warn: quiet, info: quiet, debug: quiet };

/**
 * flagd's `$ref` expansion, as its parser does it (flagd-core's transform): the configuration
 * serialized, each `{"$ref":"NAME"}` replaced by the evaluator's JSON.
 */
function expandRefs(flags: EnvironmentFlags): Record<string, Record<string, unknown>> {
  let text = JSON.stringify({ flags: flags.flags, $evaluators: flags.evaluators });
  if (Object.keys(flags.evaluators).length > 0) {
    for (const [name, rule] of Object.entries(flags.evaluators)) text = text.replaceAll(`{"$ref":"${name}"}`, JSON.stringify(rule));
  }
  return (JSON.parse(text) as { flags: Record<string, Record<string, unknown>> }).flags;
}

const errorCodes: ReadonlySet<string> = new Set<EvaluationErrorCode>(['FLAG_NOT_FOUND', 'PARSE_ERROR', 'TYPE_MISMATCH', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL']);
const valueReasons: ReadonlySet<string> = new Set(['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'SPLIT']);

/** Does the rule (its `$ref`s followed) hold a `fractional` that buckets by the targeting key (no bucketing expression of its own)? */
function bucketsByTargetingKey(rule: unknown, evaluators: Record<string, unknown>): boolean {
  const stack: unknown[] = [rule];
  const followed = new Set<string>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      stack.push(...(v as unknown[]));
      continue;
    }
    for (const [op, args] of Object.entries(v)) {
      if (op === 'fractional' && Array.isArray(args) && Array.isArray(args[0])) return true;
      if (op === '$ref' && typeof args === 'string' && !followed.has(args)) {
        followed.add(args);
        stack.push(evaluators[args]);
      } else stack.push(args);
    }
  }
  return false;
}

export class EnvironmentEvaluator {
  readonly project: string;
  readonly environment: string;
  readonly version: number;
  /** Keys evaluated by a bulk request: live flags, then archived ones (FLAG_NOT_FOUND). */
  readonly keys: readonly string[];
  readonly clientFlags: ReadonlySet<string>;
  /** Keys of flags under a flag rollout: the router counts each request under the variant its user gets. */
  readonly attributed: readonly string[];
  private readonly compiled = new Map<string, { json: string; flag: FlagdFlag }>();
  private readonly archived: ReadonlySet<string>;
  private readonly needsTargetingKey: ReadonlySet<string>;

  /**
   * Builds each flag as flagd's parser does (FeatureFlag, after `$ref` expansion). A flag whose
   * definition is the same as in `previous` keeps its compiled targeting: a change of one flag
   * costs one compilation, not fifty. Throws InvalidInputError naming what flagd refuses (a
   * default variant not among the variants, a bad state).
   */
  constructor(flagd: FlagdModule, flags: EnvironmentFlags, previous?: EnvironmentEvaluator) {
    this.project = flags.project;
    this.environment = flags.environment;
    this.version = flags.version;
    for (const [key, def] of Object.entries(expandRefs(flags))) {
      // flagd's parser merges the flag set's metadata (Sluice has none) under the flag's own.
      const json = JSON.stringify({ ...def, metadata: { ...(def.metadata as object | undefined) } });
      const known = previous?.compiled.get(key);
      if (known && known.json === json) {
        this.compiled.set(key, known);
        continue;
      }
      try {
        this.compiled.set(key, { json, flag: new flagd.FeatureFlag(key, JSON.parse(json), silent) });
      } catch (error) {
        throw new InvalidInputError(`flag ${JSON.stringify(key)} of ${flags.project}/${flags.environment} v${flags.version} refused by flagd: ${(error as Error).message}`);
      }
    }
    this.archived = new Set(flags.archived.filter((k) => !(k in flags.flags)));
    this.keys = [...Object.keys(flags.flags), ...this.archived];
    this.clientFlags = new Set(flags.clientFlags);
    this.attributed = [...new Set(flags.attributed ?? [])];
    this.needsTargetingKey = new Set(Object.keys(flags.flags).filter((key) => bucketsByTargetingKey(flags.flags[key]!.targeting, flags.evaluators)));
  }

  /** OFREP's untyped evaluation: the value as flagd resolves it; the provider checks its type against the call. */
  evaluate(key: string, context: EvaluationContext): Evaluation {
    const flag = this.compiled.get(key)?.flag;
    if (!flag) {
      const details = this.archived.has(key) ? `flag '${key}' was removed from the flag file (archived)` : `flag '${key}' not found`;
      return { key, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', errorDetails: details, metadata: {} };
    }
    if (flag.state === 'DISABLED') return { key, reason: 'DISABLED', metadata: flag.metadata };
    const r = flag.evaluate(context);
    if (r.reason === 'ERROR') {
      const code = r.errorCode !== undefined && errorCodes.has(r.errorCode) ? (r.errorCode as EvaluationErrorCode) : 'GENERAL';
      return { key, reason: 'ERROR', errorCode: code, errorDetails: r.errorMessage ?? code, metadata: r.flagMetadata };
    }
    // flagd answers the default variant when a split by targetingKey has no key; Sluice says so
    // (docs/decisions/0034): such users would all land in one cohort without anyone noticing.
    if (r.reason === 'DEFAULT' && typeof context.targetingKey !== 'string' && this.needsTargetingKey.has(key)) {
      return { key, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING', errorDetails: `flag '${key}' splits users by targetingKey, and the context has none`, metadata: r.flagMetadata };
    }
    if (r.value === undefined || r.variant === undefined) return { key, reason: 'DEFAULT', metadata: r.flagMetadata };
    const reason = valueReasons.has(r.reason) ? (r.reason as 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT') : 'TARGETING_MATCH';
    return { key, value: r.value as FlagValue, variant: r.variant, reason, metadata: r.flagMetadata };
  }

  /** Every flag (or those of `only`), in the order of the file; archived ones answer FLAG_NOT_FOUND. */
  evaluateAll(context: EvaluationContext, only?: ReadonlySet<string>): Evaluation[] {
    const out: Evaluation[] = [];
    for (const key of this.keys) if (!only || only.has(key)) out.push(this.evaluate(key, context));
    return out;
  }
}
