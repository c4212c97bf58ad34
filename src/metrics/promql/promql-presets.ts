// Where a Prometheus keeps the figures the analysis reads, per source of traffic: the request
// counter by status, the latency histogram and (when there is one) connect failures, and the
// label that tells releases apart. Sluice's own preset is the one tested against a real
// Prometheus; the others follow each project's documented metric names (decision 0050) and
// every field can be overridden.
import { namespaceOf } from '../../runtime/kubernetes/manifests/names.ts';

/** How a status label is written: a class ('5xx'), a code ('503') or a class digit ('5', Envoy). */
export type StatusForm = 'class' | 'code' | 'digit';

/** One project and environment: what the analysis compares releases within. */
export interface FigureScope {
  project: string;
  environment: string;
  /** The Kubernetes namespace of the environment, for presets that select by it. */
  namespace?: string;
}

export interface PromqlPreset {
  /** Request counter (a counter's name, sampled as is: cumulative like the router's own). */
  requests: string;
  statusLabel: string;
  statusForm: StatusForm;
  /** Histogram base name: `<duration>_bucket` and `<duration>_sum` are read. */
  duration: string;
  durationUnit: 'seconds' | 'milliseconds';
  connectFailures?: string;
  /** The label whose value names the release. */
  releaseLabel: string;
  /**
   * The release label's value for a release: `{release}` ('r7', 'r7-baseline'), with
   * `{namespace}` and `{any}` (anything, e.g. a rule index) around it.
   */
  releaseValue: string;
  /** Label matchers for one environment, `{project}`, `{environment}` and `{namespace}` filled in. */
  selector: Record<string, string>;
}

export const promqlPresets = {
  /** Sluice's own GET /metrics (src/metrics/metric-catalog.ts): what the router itself counts. */
  sluice: {
    requests: 'sluice_http_requests_total',
    statusLabel: 'code',
    statusForm: 'class',
    duration: 'sluice_http_request_duration_seconds',
    durationUnit: 'seconds',
    connectFailures: 'sluice_router_connect_failures_total',
    releaseLabel: 'release',
    releaseValue: '{release}',
    selector: { project: '{project}', environment: '{environment}' },
  },
  /**
   * Envoy Gateway: Envoy's upstream cluster stats. By default a cluster is one HTTPRoute *rule*
   * (`httproute/<namespace>/<route>/rule/<n>`), so the weighted rule's releases share it; with
   * `mergeBackends` on the EnvoyProxy (Envoy Gateway 1.9+) a backendRef without filters gets the
   * cluster of its Service, `service/<namespace>/<service>/<port>/<protocol>`, and that name is
   * the stat name (decision 0050, addendum). Only those clusters count: a rule's mixes releases.
   */
  'envoy-gateway': {
    requests: 'envoy_cluster_upstream_rq_xx',
    statusLabel: 'envoy_response_code_class',
    statusForm: 'digit',
    duration: 'envoy_cluster_upstream_rq_time',
    durationUnit: 'milliseconds',
    connectFailures: 'envoy_cluster_upstream_cx_connect_fail',
    releaseLabel: 'envoy_cluster_name',
    releaseValue: 'service/{namespace}/{any}-{release}/{any}',
    selector: {},
  },
  /** Istio's standard metrics; the release is the destination workload (one Deployment per release). */
  istio: {
    requests: 'istio_requests_total',
    statusLabel: 'response_code',
    statusForm: 'code',
    duration: 'istio_request_duration_milliseconds',
    durationUnit: 'milliseconds',
    releaseLabel: 'destination_workload',
    releaseValue: '{any}-{release}',
    selector: { destination_workload_namespace: '{namespace}', reporter: 'destination' },
  },
  /** ingress-nginx's controller metrics; the release is the backend Service (one per release). */
  'ingress-nginx': {
    requests: 'nginx_ingress_controller_requests',
    statusLabel: 'status',
    statusForm: 'code',
    duration: 'nginx_ingress_controller_request_duration_seconds',
    durationUnit: 'seconds',
    releaseLabel: 'service',
    releaseValue: '{any}-{release}',
    selector: { namespace: '{namespace}' },
  },
} as const satisfies Record<string, PromqlPreset>;

export type PromqlPresetName = keyof typeof promqlPresets;

export function isPresetName(name: string): name is PromqlPresetName {
  return Object.hasOwn(promqlPresets, name);
}

/** `{project}` etc. filled in from the scope (a missing namespace: the Kubernetes runtime's for the environment). */
export function fillScope(template: string, scope: FigureScope): string {
  const namespace = scope.namespace ?? namespaceOf(scope.project, scope.environment);
  return template.replaceAll('{project}', scope.project).replaceAll('{environment}', scope.environment).replaceAll('{namespace}', namespace);
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for the release label's values: the release name is its one capture group. */
export function releasePattern(preset: Pick<PromqlPreset, 'releaseValue'>, scope: FigureScope): RegExp {
  const parts = fillScope(preset.releaseValue, scope).split(/(\{release\}|\{any\})/);
  const body = parts.map((p) => (p === '{release}' ? '(r\\d+(?:-baseline)?)' : p === '{any}' ? '.*?' : escapeRegExp(p))).join('');
  return new RegExp(`^${body}$`);
}

/** '5xx' from any of the status forms; null for a value that is none (e.g. Envoy's '0'). */
export function statusClassOf(value: string, form: StatusForm): '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | null {
  const digit = form === 'class' ? value.slice(0, 1) : form === 'digit' ? value : value.length === 3 ? value.slice(0, 1) : '';
  return digit === '1' || digit === '2' || digit === '3' || digit === '4' || digit === '5' ? `${digit}xx` : null;
}
