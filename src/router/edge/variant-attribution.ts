import type { IncomingHttpHeaders } from 'node:http';
import type { Evaluation } from '../../flags/flag-evaluator.ts';
import { noVariant, type FlagScope } from '../route-table.ts';
import type { HostFlagStats } from './flag-variant-stats.ts';
import type { ReleaseStats } from './release-stats.ts';
import { resolveTargetingKey } from './targeting-key.ts';

// Variant attribution (docs/decisions/0039): the request's user evaluated, with the environment's
// own evaluator (flagd-core's fractional bucketing of the targeting key), for each flag under a
// rollout; the exchange then counts its outcome under each variant.

/** What the router needs of an environment's flags (the data plane's EnvironmentEvaluator). */
export interface AttributedFlags {
  readonly attributed: readonly string[];
  evaluate(flag: string, context: { targetingKey: string }): Evaluation;
}

/** The data plane's flag table as the router sees it: undefined for an environment without flags. */
export type FlagsOf = (scope: FlagScope) => AttributedFlags | undefined;

export interface Attribution {
  /** The targeting key, sent to the instance as x-sluice-user. */
  key: string;
  /** Set-Cookie for a new key (after the app's own). */
  setCookie: string | undefined;
  /** One counter per attributed flag: the variant this user gets. */
  stats: ReleaseStats[];
}

/** The request's attribution: null unless its route has a flag scope whose environment has flags (then one map lookup only). */
export function attributionOf(headers: IncomingHttpHeaders, host: HostFlagStats | undefined, flagsOf: FlagsOf | undefined): Attribution | null {
  const flags = host && flagsOf?.(host.scope);
  return flags && host ? attribute(headers, host, flags) : null;
}

export function attribute(headers: IncomingHttpHeaders, host: HostFlagStats, flags: AttributedFlags): Attribution {
  const { key, setCookie } = resolveTargetingKey(headers);
  const stats: ReleaseStats[] = [];
  const context = { targetingKey: key };
  for (const flag of flags.attributed) {
    let variant: string | undefined;
    try {
      const e = flags.evaluate(flag, context);
      if (e.reason !== 'ERROR') variant = e.variant;
    } catch {
      // A flag the evaluator cannot resolve gives its user the code default, like an error answer.
    }
    stats.push(host.get(flag, variant ?? noVariant));
  }
  return { key, setCookie, stats };
}
