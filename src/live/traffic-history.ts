// Requests/s and error rate per environment over the last minutes, for the dashboard's
// sparklines. The router keeps only cumulative counters (collect-traffic.ts), so one sampler for
// the whole server reads them every `intervalMs` and keeps the differences in a bounded ring per
// environment (180 samples: 15 minutes at 5 s). Not durable: after a restart the lines start
// again, which a sparkline can afford; Prometheus keeps the real history.
import type { Series } from '../metrics/series.ts';
import type { TrafficSample } from './live-change.ts';

export interface TrafficHistoryOptions {
  /** The router's cumulative figures (TrafficCollector.collect). */
  collect: () => Promise<Series[]>;
  /** Called with each project's new samples after every look. */
  onSample?: (project: string, samples: Array<TrafficSample & { environment: string }>) => void;
  intervalMs?: number;
  keep?: number;
  now?: () => Date;
  logError?: (message: string, error: unknown) => void;
}

interface Totals {
  all: number;
  errors: number;
}

const keyOf = (project: string, environment: string): string => `${project}\u0000${environment}`;

/** Sums the router's request counters per environment (over services, releases and status classes). */
export function totalsOf(series: readonly Series[]): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const s of series) {
    if (s.metric !== 'httpRequests' || !('value' in s)) continue;
    const { project, environment, code } = s.labels;
    if (!project || !environment) continue;
    const key = keyOf(project, environment);
    const t = out.get(key) ?? { all: 0, errors: 0 };
    t.all += s.value;
    if (code === '5xx') t.errors += s.value;
    out.set(key, t);
  }
  return out;
}

export class TrafficHistory {
  readonly #opts: TrafficHistoryOptions;
  readonly #intervalMs: number;
  readonly #keep: number;
  readonly #now: () => Date;
  readonly #rings = new Map<string, TrafficSample[]>();
  #last: { at: number; totals: Map<string, Totals> } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = true;
  #failing = false;

  constructor(opts: TrafficHistoryOptions) {
    this.#opts = opts;
    this.#intervalMs = opts.intervalMs ?? 5000;
    this.#keep = opts.keep ?? 180;
    this.#now = opts.now ?? ((): Date => new Date());
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = (): void => {
      this.sample().then(
        () => {
          this.#failing = false;
          this.#schedule(tick);
        },
        (error: unknown) => {
          // Once per outage (a data plane restarting), not every interval.
          if (!this.#failing) this.#opts.logError?.('traffic history: reading the router', error);
          this.#failing = true;
          this.#schedule(tick);
        },
      );
    };
    tick();
  }

  #schedule(tick: () => void): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(tick, this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** One look at the counters; the first look only sets the baseline. */
  async sample(): Promise<void> {
    const totals = totalsOf(await this.#opts.collect());
    const now = this.#now();
    const last = this.#last;
    this.#last = { at: now.getTime(), totals };
    if (!last) return;
    const seconds = Math.max(0.001, (now.getTime() - last.at) / 1000);
    const byProject = new Map<string, Array<TrafficSample & { environment: string }>>();
    for (const [key, t] of totals) {
      const before = last.totals.get(key) ?? { all: 0, errors: 0 };
      // A counter that went down was reset (a restarted data plane): count from zero.
      const all = t.all >= before.all ? t.all - before.all : t.all;
      const errors = t.errors >= before.errors ? t.errors - before.errors : t.errors;
      const sample: TrafficSample = { at: now.toISOString(), rps: round(all / seconds), errorRate: all === 0 ? null : round(errors / all) };
      const ring = this.#rings.get(key) ?? [];
      ring.push(sample);
      if (ring.length > this.#keep) ring.shift();
      this.#rings.set(key, ring);
      const [project, environment] = key.split('\u0000') as [string, string];
      const list = byProject.get(project) ?? [];
      list.push({ ...sample, environment });
      byProject.set(project, list);
    }
    for (const [project, samples] of byProject) this.#opts.onSample?.(project, samples);
  }

  /** The samples kept for each environment of a project, oldest first. */
  of(project: string): Array<{ environment: string; samples: TrafficSample[] }> {
    const out: Array<{ environment: string; samples: TrafficSample[] }> = [];
    for (const [key, ring] of this.#rings) {
      const [p, environment] = key.split('\u0000') as [string, string];
      if (p === project) out.push({ environment, samples: [...ring] });
    }
    return out;
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
