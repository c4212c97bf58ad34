import type { FlagScope, FlagVariantMetrics } from '../route-table.ts';
import { ReleaseStats } from './release-stats.ts';

// Per-variant counters of the flags under a rollout, per host. The same counters and histogram
// as a release's (ReleaseStats, the variant in its `release` slot), so the analysis reads both
// the same way. Bounded: hosts of the table × attributed flags × their variants (+ noVariant).

/** One host's counters, by flag then variant; compiled routes hold it (no string key per request). */
export class HostFlagStats {
  readonly host: string;
  readonly scope: FlagScope;
  readonly byFlag = new Map<string, Map<string, ReleaseStats>>();

  constructor(host: string, scope: FlagScope) {
    this.host = host;
    this.scope = scope;
  }

  get(flag: string, variant: string): ReleaseStats {
    let variants = this.byFlag.get(flag);
    if (!variants) this.byFlag.set(flag, (variants = new Map<string, ReleaseStats>()));
    let stats = variants.get(variant);
    if (!stats) variants.set(variant, (stats = new ReleaseStats(this.host, variant)));
    return stats;
  }
}

/** Keyed by host and scope, so counters survive table swaps and flag publishes; a host gone from the table takes its counters with it. */
export class FlagVariantRegistry {
  private readonly byKey = new Map<string, HostFlagStats>();
  private used = new Set<string>();

  get(host: string, scope: FlagScope): HostFlagStats {
    const key = `${host}\n${scope.project}\n${scope.environment}`;
    this.used.add(key);
    let stats = this.byKey.get(key);
    if (!stats) this.byKey.set(key, (stats = new HostFlagStats(host, scope)));
    return stats;
  }

  beginTable(): void {
    this.used = new Set();
  }

  endTable(): void {
    for (const key of this.byKey.keys()) if (!this.used.has(key)) this.byKey.delete(key);
  }

  /**
   * Every counter of a flag still attributed in its environment (`attributedOf`); counters of a
   * flag no longer under a rollout are dropped here, so the next rollout of it starts from zero.
   */
  snapshot(attributedOf: (scope: FlagScope) => readonly string[] | undefined): FlagVariantMetrics[] {
    const out: FlagVariantMetrics[] = [];
    for (const host of this.byKey.values()) {
      const attributed = attributedOf(host.scope) ?? [];
      for (const [flag, variants] of host.byFlag) {
        if (!attributed.includes(flag)) {
          host.byFlag.delete(flag);
          continue;
        }
        for (const [variant, stats] of variants) {
          const m = stats.snapshot();
          out.push({
            host: host.host,
            project: host.scope.project,
            environment: host.scope.environment,
            flag,
            variant,
            requests: m.requests,
            errors5xx: m.errors5xx,
            connectFailures: m.connectFailures,
            latency: m.latency,
          });
        }
      }
    }
    return out;
  }
}
