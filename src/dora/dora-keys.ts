// The four DORA keys of one environment, from platform events alone (pure: events in, keys out).
// Definitions and edge cases: docs/dora.md. Every figure that needs at least one observation is
// null without one (never 0 or NaN); counts are counts.
import type { PlatformEvent } from '../events/platform-event.ts';

export interface DoraKeys {
  deploymentFrequency: { perDay: number | null; deploys: number };
  leadTimeForChanges: { p50Seconds: number | null; p90Seconds: number | null };
  changeFailureRate: { ratio: number | null; failed: number; total: number };
  timeToRestore: { p50Seconds: number | null; incidents: number };
}

export interface DoraWindow {
  environment: string;
  /** ISO start of the window (inclusive). */
  since: string;
  /** ISO end of the window (inclusive): now. */
  until: string;
}

/** The event kinds the keys read; a caller loads only these. */
export const DORA_EVENT_KINDS = ['release.live', 'rollback', 'rollout.aborted', 'alert.firing'] as const;

/** An alert that rolls back counts against the deploy it hit within this long (or its bake, if longer). */
export const ALERT_BLAME_MS = 24 * 3600_000;

interface Live {
  event: PlatformEvent;
  at: number;
  /** A rollback's target going live (not a deploy). */
  putBack: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Nearest-rank percentile of ascending values: an observed value, never an interpolation. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export function doraKeys(all: readonly PlatformEvent[], window: DoraWindow): DoraKeys {
  const since = Date.parse(window.since);
  const until = Date.parse(window.until);
  const inWindow = (t: number): boolean => t >= since && t <= until;
  // Time order; events written in the same millisecond keep the store's order.
  const events = all
    .filter((e) => e.environment === window.environment)
    .map((e) => ({ e, at: Date.parse(e.at) }))
    .filter((x) => Number.isFinite(x.at))
    .sort((a, b) => a.at - b.at || a.e.seq - b.e.seq);

  const lives: Live[] = events.filter((x) => x.e.kind === 'release.live').map(({ e, at }) => ({ event: e, at, putBack: num(e.facts.rollbackOf) !== null }));
  const liveReleases = new Set(lives.map((l) => l.event.release));

  // Deploys: releases that went live and were not put back by a rollback.
  const deploys = lives.filter((l) => !l.putBack && inWindow(l.at));

  // Lead time: commit → live, the first time that commit went live in this environment.
  const seenCommits = new Set<string>();
  const leadTimes: number[] = [];
  for (const l of lives) {
    const commit = l.event.commit;
    if (!commit) continue;
    const first = !seenCommits.has(commit.sha);
    seenCommits.add(commit.sha);
    if (!first || l.putBack || !inWindow(l.at) || commit.committedAt === null) continue;
    const committed = Date.parse(commit.committedAt);
    // A commit time after the release went live is a skewed clock: no lead time to measure.
    if (!Number.isFinite(committed) || committed > l.at) continue;
    leadTimes.push((l.at - committed) / 1000);
  }

  // Failures of deploys, and when each was first seen.
  const restoreTimes: number[] = [];
  let failedDeploys = 0;
  for (const d of deploys) {
    const failedAt = failureOf(d, lives, events);
    if (failedAt === null) continue;
    failedDeploys++;
    // Restore: the next release that went live in the environment after the failure.
    const restored = lives.slice(lives.indexOf(d) + 1).find((l) => l.at >= failedAt);
    if (restored) restoreTimes.push((restored.at - failedAt) / 1000);
  }

  // Attempts stopped before they went live (a canary's analysis, a failed health gate or verify).
  const stopped = new Set<number>();
  for (const { e, at } of events) {
    if (e.kind !== 'rollout.aborted' || e.release === null || !inWindow(at)) continue;
    if (e.facts.failure !== true || num(e.facts.rollbackOf) !== null || liveReleases.has(e.release)) continue;
    stopped.add(e.release);
  }

  const days = (until - since) / 86_400_000;
  const total = deploys.length + stopped.size;
  const failed = failedDeploys + stopped.size;
  leadTimes.sort((a, b) => a - b);
  restoreTimes.sort((a, b) => a - b);
  return {
    deploymentFrequency: { perDay: deploys.length > 0 && days > 0 ? deploys.length / days : null, deploys: deploys.length },
    leadTimeForChanges: { p50Seconds: percentile(leadTimes, 0.5), p90Seconds: percentile(leadTimes, 0.9) },
    changeFailureRate: { ratio: total > 0 ? failed / total : null, failed, total },
    timeToRestore: { p50Seconds: percentile(restoreTimes, 0.5), incidents: restoreTimes.length },
  };
}

/** The earliest sign that a deploy failed: a rollback from it, its rollout aborted, or a rollback alert on it. */
function failureOf(d: Live, lives: readonly Live[], events: readonly { e: PlatformEvent; at: number }[]): number | null {
  const release = d.event.release;
  const next = lives[lives.indexOf(d) + 1];
  const bakeMs = (num(d.event.facts.bakeSeconds) ?? 0) * 1000;
  const blameUntil = d.at + Math.max(ALERT_BLAME_MS, bakeMs);
  for (const { e, at } of events) {
    if (at < d.at) continue;
    if (e.kind === 'rollback' && num(e.facts.from) === release) return at;
    if (e.kind === 'rollout.aborted' && e.release === release && e.facts.failure === true) return at;
    if (e.kind === 'alert.firing' && e.facts.action === 'rollback' && at <= blameUntil) {
      // Only while the deploy serves, and when the alert names a release, only that one.
      const serving = next === undefined || at < next.at;
      if (serving && (e.release === null || e.release === release)) return at;
    }
  }
  return null;
}
