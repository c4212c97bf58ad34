// `sluice dora`: the keys of one environment over a window ending now, read from stored events
// (never git, never logs). Loads the window plus a lookback, so that a commit which already went
// live before the window is not counted again for lead time.
import type { EventFilter, PlatformEvent } from '../events/platform-event.ts';
import { errorMessage, InvalidInputError } from '../errors.ts';
import { formatDuration, parseDuration } from '../spec/duration.ts';
import { DORA_EVENT_KINDS, doraKeys, type DoraKeys } from './dora-keys.ts';

export interface DoraSources {
  listEvents(filter: EventFilter): Promise<PlatformEvent[]>;
  /** Environment names the project has (or had). */
  environments(project: string): Promise<readonly string[]>;
  now(): Date;
}

export interface DoraReport extends DoraKeys {
  project: string;
  environment: string;
  since: string;
  until: string;
  /** With `every`: the same keys per period, oldest first (a chart over time). */
  series?: DoraPeriod[];
}

export type DoraPeriod = DoraKeys & { since: string; until: string };

/** At most this many periods in one series. */
export const MAX_PERIODS = 400;

/** Commits that went live this long before the window still count as seen (docs/dora.md). */
export const LOOKBACK_MS = 30 * 86_400_000;
/** The longest window asked for: a year. */
export const MAX_WINDOW_MS = 366 * 86_400_000;
/** More events than this in one environment's window and lookback: the oldest are left out. */
export const MAX_EVENTS = 50_000;

/** A `--since` duration (`30d`, `12h`) checked: positive, at most a year. */
export function windowMs(since: string): number {
  let ms: number;
  try {
    ms = parseDuration(since);
  } catch (error) {
    throw new InvalidInputError(`since: ${errorMessage(error)}`, { since });
  }
  if (ms <= 0) throw new InvalidInputError(`since must be longer than 0 (got ${JSON.stringify(since)})`, { since });
  if (ms > MAX_WINDOW_MS) throw new InvalidInputError(`since must be at most ${formatDuration(MAX_WINDOW_MS)} (got ${JSON.stringify(since)})`, { since });
  return ms;
}

/** The events DORA reads for one environment, from `sinceMs` before the lookback to now. */
export function doraEvents(sources: Pick<DoraSources, 'listEvents'>, project: string, environment: string | undefined, from: Date): Promise<PlatformEvent[]> {
  return sources.listEvents({ project, ...(environment === undefined ? {} : { environment }), kinds: DORA_EVENT_KINDS, since: new Date(from.getTime() - LOOKBACK_MS).toISOString(), limit: MAX_EVENTS });
}

/** A period length (`1d`, `7d`) checked: at least an hour, at most the window, at most MAX_PERIODS of them in it. */
export function periodMs(every: string, window: number): number {
  let ms: number;
  try {
    ms = parseDuration(every);
  } catch (error) {
    throw new InvalidInputError(`every: ${errorMessage(error)}`, { every });
  }
  if (ms < 3600_000) throw new InvalidInputError(`every must be at least 1h (got ${JSON.stringify(every)})`, { every });
  if (ms > window) throw new InvalidInputError(`every must be at most the window since (got ${JSON.stringify(every)})`, { every });
  if (Math.ceil(window / ms) > MAX_PERIODS) throw new InvalidInputError(`every ${every} makes more than ${MAX_PERIODS} periods in the window; ask for longer periods`, { every });
  return ms;
}

/**
 * The keys per period from the same events as the whole window: periods end 1 ms before the
 * next begins (a window includes both ends), the last one ends at `until`.
 */
export function doraSeries(events: readonly PlatformEvent[], environment: string, from: Date, until: Date, stepMs: number): DoraPeriod[] {
  const out: DoraPeriod[] = [];
  for (let start = from.getTime(); start < until.getTime(); start += stepMs) {
    const window = { environment, since: new Date(start).toISOString(), until: new Date(Math.min(start + stepMs - 1, until.getTime())).toISOString() };
    out.push({ since: window.since, until: window.until, ...doraKeys(events, window) });
  }
  return out;
}

export async function doraReport(sources: DoraSources, project: string, environment: string, since: string, every?: string): Promise<DoraReport> {
  const ms = windowMs(since);
  const step = every === undefined ? undefined : periodMs(every, ms);
  const known = await sources.environments(project);
  if (!known.includes(environment)) {
    throw new InvalidInputError(`project ${project} has no environment ${environment}${known.length ? ` (it has: ${known.join(', ')})` : ' (nothing was deployed yet)'}`, { project, environment });
  }
  const until = sources.now();
  const from = new Date(until.getTime() - ms);
  const events = await doraEvents(sources, project, environment, from);
  const window = { environment, since: from.toISOString(), until: until.toISOString() };
  const report: DoraReport = { project, ...window, ...doraKeys(events, window) };
  if (step !== undefined) report.series = doraSeries(events, environment, from, until, step);
  return report;
}
