// Every metric Sluice exposes on GET /metrics, in one table: a new metric is one line here
// (then `metrics.count('key', labels)` where it happens, or a collector that fills it at scrape
// time). Pure: no prom-client, so the engine may import the keys and label types.
//
// Label values must come from bounded sets: names of projects, environments, services and
// releases still routed, stage kinds, verdicts, error codes. Never a commit SHA, an instance id,
// a run id, a URL or any text an outsider sends (docs/decisions/0025-prometheus-metrics.md).

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
  /** Histograms: upper bounds of the buckets (the +Inf bucket is implied). */
  readonly buckets?: readonly number[];
}

/** Router traffic, instances and routes: per project, environment, service and release. */
const traffic = ['project', 'environment', 'service', 'release'] as const;

/** Stage durations from a second to an hour: builds and deploys, not requests. */
const stageBuckets = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;

export const metricCatalog = {
  httpRequests: { name: 'sluice_http_requests_total', type: 'counter', help: 'Requests the router answered, by status class (1xx…5xx) of the response.', labels: [...traffic, 'code'] },
  httpRequestDuration: { name: 'sluice_http_request_duration_seconds', type: 'histogram', help: 'Time from the request reaching the router to the end of its response, per release.', labels: traffic }, // buckets: the router's own (release-stats.ts), in seconds
  routerConnectFailures: { name: 'sluice_router_connect_failures_total', type: 'counter', help: 'Connections the router could not open to an instance.', labels: traffic },
  instancesReady: { name: 'sluice_instances_ready', type: 'gauge', help: 'Instances that pass their health check and take traffic.', labels: traffic },
  instancesSleeping: { name: 'sluice_instances_sleeping', type: 'gauge', help: 'Instances stopped by scale to zero, woken by the next request.', labels: traffic },
  instanceRestarts: { name: 'sluice_instance_restarts_total', type: 'counter', help: 'Restarts of the running instances (summed over the instances that exist now).', labels: traffic },
  previewsSleeping: { name: 'sluice_previews_sleeping', type: 'gauge', help: 'Environments whose every instance sleeps (scaled to zero).', labels: ['project'] },
  dataPlaneUp: { name: 'sluice_dataplane_up', type: 'gauge', help: '1 when the data plane answered this scrape, 0 when it did not (its series are then missing).', labels: [] },
  runs: { name: 'sluice_runs', type: 'gauge', help: 'Runs in the store, by state.', labels: ['project', 'state'] },
  runQueueDepth: { name: 'sluice_run_queue_depth', type: 'gauge', help: 'Runs queued and not yet claimed by a server.', labels: ['project'] },
  stageDuration: { name: 'sluice_stage_duration_seconds', type: 'histogram', help: 'Duration of finished stages, by stage kind and result.', labels: ['project', 'stage', 'result'], buckets: stageBuckets },
  leaseTakeovers: { name: 'sluice_lease_takeovers_total', type: 'counter', help: 'Runs taken over from a server whose lease lapsed or whose process is gone.', labels: ['project'] },
  rollouts: { name: 'sluice_rollouts_total', type: 'counter', help: 'Rollouts that ended, by strategy and outcome (promoted, aborted).', labels: ['project', 'environment', 'strategy', 'outcome'] },
  analysisDecisions: { name: 'sluice_analysis_decisions_total', type: 'counter', help: 'Analysis decisions of canaries and bakes, by metric and verdict.', labels: ['project', 'environment', 'metric', 'verdict'] },
  webhooks: { name: 'sluice_webhooks_total', type: 'counter', help: 'Webhook deliveries, by git host and result (accepted, duplicate, ignored, or the error code).', labels: ['host', 'result'] },
  certificateExpiry: { name: 'sluice_certificate_expiry_timestamp_seconds', type: 'gauge', help: 'When each certificate the control plane holds stops being valid (Unix time).', labels: ['certificate', 'domain', 'source', 'state'] },
  logStoreFailing: { name: 'sluice_log_store_failing', type: 'gauge', help: '1 while appends to the log store fail (a full disk, an unreachable database): lines wait in a bounded queue.', labels: [] },
  logLinesQueued: { name: 'sluice_log_lines_queued', type: 'gauge', help: 'Log lines waiting to be appended to the log store.', labels: [] },
  logLinesDropped: { name: 'sluice_log_lines_dropped_total', type: 'counter', help: 'Log lines dropped, oldest first, because the queue stayed full while the log store failed.', labels: [] },
  doraDeploys: { name: 'sluice_dora_deploys', type: 'gauge', help: 'DORA: deploys (releases that went live, rollbacks excluded) in the last 30 days.', labels: ['project', 'environment'] },
  doraDeploysPerDay: { name: 'sluice_dora_deploys_per_day', type: 'gauge', help: 'DORA deployment frequency: deploys a day over the last 30 days (absent without a deploy).', labels: ['project', 'environment'] },
  doraLeadTimeP50: { name: 'sluice_dora_lead_time_p50_seconds', type: 'gauge', help: 'DORA lead time for changes: median time from commit to live, last 30 days.', labels: ['project', 'environment'] },
  doraLeadTimeP90: { name: 'sluice_dora_lead_time_p90_seconds', type: 'gauge', help: 'DORA lead time for changes: 90th percentile from commit to live, last 30 days.', labels: ['project', 'environment'] },
  doraChangeFailureRatio: { name: 'sluice_dora_change_failure_ratio', type: 'gauge', help: 'DORA change failure rate: failed changes / changes (deploys and stopped attempts), last 30 days.', labels: ['project', 'environment'] },
  doraChangesFailed: { name: 'sluice_dora_changes_failed', type: 'gauge', help: 'DORA: changes that failed (rolled back, aborted, hit by a rollback alert), last 30 days.', labels: ['project', 'environment'] },
  doraTimeToRestoreP50: { name: 'sluice_dora_time_to_restore_p50_seconds', type: 'gauge', help: 'DORA time to restore: median time from a failure to the next release live, last 30 days.', labels: ['project', 'environment'] },
  doraIncidents: { name: 'sluice_dora_incidents_restored', type: 'gauge', help: 'DORA: failures restored by a later release in the last 30 days (the time to restore is over these).', labels: ['project', 'environment'] },
  buildInfo: { name: 'sluice_build_info', type: 'gauge', help: 'Always 1: the version of Sluice and of Node.js serving these metrics.', labels: ['version', 'node'] },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof metricCatalog;
type KeysOfType<T extends MetricType> = { [K in MetricKey]: (typeof metricCatalog)[K]['type'] extends T ? K : never }[MetricKey];
export type CounterKey = KeysOfType<'counter'>;
export type GaugeKey = KeysOfType<'gauge'>;
export type HistogramKey = KeysOfType<'histogram'>;
/** The labels a metric needs, every one of them. */
export type LabelsOf<K extends MetricKey> = Record<(typeof metricCatalog)[K]['labels'][number], string>;

/** Environment names for counters kept in memory: previews (pr-N) come and go, so they count as one. */
export function environmentLabel(environment: string): string {
  return /^pr-\d+$/.test(environment) ? 'preview' : environment;
}
