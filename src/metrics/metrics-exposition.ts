// GET /metrics: what was recorded, plus what is collected at scrape time from the store and the
// data plane, filtered for the caller and written by prom-client. A data plane that is down or
// slow does not fail the scrape: its series are left out and sluice_dataplane_up says 0.
import type { Principal } from '../auth/principal.ts';
import { errorMessage } from '../errors.ts';
import { collectStore, type StoreSource } from './collect-store.ts';
import { collectDora, type DoraMetricsSource } from './collect-dora.ts';
import { TrafficCollector, type TrafficSources } from './collect-traffic.ts';
import type { MetricRecorder } from './metric-recorder.ts';
import { renderPrometheus, type Exposition } from './render-prometheus.ts';
import type { Series } from './series.ts';
import { visibleSeries } from './visible-series.ts';

export interface ExpositionDeps extends TrafficSources {
  recorder: Pick<MetricRecorder, 'series'>;
  store: StoreSource;
  version: string;
  /** Stored platform events (absent: no DORA series). */
  events?: DoraMetricsSource;
  /** The scrape's time (DORA's window ends now). */
  now?: () => Date;
  /** The log pipeline's writer (absent: no log series). */
  logs?: { status(): { queued: number; dropped: number; error: string | null } };
  /** How long a scrape waits for the data plane (Prometheus' own scrape timeout is 10 s). */
  dataPlaneTimeoutMs?: number;
  warn: (message: string) => void;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export class MetricsExposition {
  private readonly deps: ExpositionDeps;
  private readonly traffic: TrafficCollector;

  constructor(deps: ExpositionDeps) {
    this.deps = deps;
    this.traffic = new TrafficCollector(deps);
  }

  async series(): Promise<Series[]> {
    const { recorder, store, version } = this.deps;
    const [traffic, stored, dora] = await Promise.all([
      within(this.traffic.collect(), this.deps.dataPlaneTimeoutMs ?? 5_000, 'the data plane').then(
        (s) => ({ up: 1, series: s }),
        (error: unknown) => {
          this.deps.warn(`metrics: data plane figures left out: ${errorMessage(error)}`);
          return { up: 0, series: [] as Series[] };
        },
      ),
      collectStore(store),
      this.dora(),
    ]);
    return [
      { metric: 'buildInfo', labels: { version, node: process.version }, value: 1 },
      { metric: 'dataPlaneUp', labels: {}, value: traffic.up },
      ...logSeries(this.deps.logs),
      ...recorder.series(),
      ...stored,
      ...dora,
      ...traffic.series,
    ];
  }

  /** DORA series; a store that fails them leaves them out, not the scrape. */
  private async dora(): Promise<Series[]> {
    if (!this.deps.events) return [];
    try {
      return await collectDora(this.deps.events, (this.deps.now ?? (() => new Date()))());
    } catch (error) {
      this.deps.warn(`metrics: DORA figures left out: ${errorMessage(error)}`);
      return [];
    }
  }

  async render(principal: Principal): Promise<Exposition> {
    return renderPrometheus(visibleSeries(await this.series(), principal));
  }
}

function logSeries(logs: ExpositionDeps['logs']): Series[] {
  if (!logs) return [];
  const s = logs.status();
  return [
    { metric: 'logStoreFailing', labels: {}, value: s.error === null ? 0 : 1 },
    { metric: 'logLinesQueued', labels: {}, value: s.queued },
    { metric: 'logLinesDropped', labels: {}, value: s.dropped },
  ];
}
