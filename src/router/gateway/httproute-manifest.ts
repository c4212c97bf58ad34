// One HTTPRoute per environment host (Gateway API v1): a rule per header pin
// (`x-sluice-release: r7` → that release's Service) and one rule splitting the rest by weight
// across the releases' Services. Pure: what the Gateway router applies and `sluice render` prints.
// https://gateway-api.sigs.k8s.io/reference/spec/#httproutespec
import type { Manifest } from '../../runtime/kubernetes/manifests/object-meta.ts';
import { dnsLabel, FIELD_MANAGER, LABEL } from '../../runtime/kubernetes/manifests/names.ts';
import type { DesiredBackend, HeaderPin } from '../router.ts';
import { backendServiceOf, type BackendService } from './backend-service.ts';

export const HTTPROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';
/** The host the route serves (the name is a DNS label made from it). */
export const HOST_ANNOTATION = 'sluice.dev/host';
/** The backends as asked for (BackendsAnnotation): what applied() turns back into the Router port's route. */
export const BACKENDS_ANNOTATION = 'sluice.dev/backends';
/** The Service port the Kubernetes runtime exposes (service-manifest.ts). */
export const SERVICE_PORT = 80;
/**
 * Gateway API weights are integers (0…1,000,000) and proportional: ×100 keeps the engine's
 * shares (0…100) to two decimals.
 */
export const WEIGHT_SCALE = 100;

export interface GatewayRef {
  namespace: string;
  name: string;
}

export interface HttpRouteInput {
  host: string;
  gateway: GatewayRef;
  backends: DesiredBackend[];
  headerRelease?: HeaderPin | undefined;
}

/** Service name → the backend as the engine asked for it (its weight unrounded). */
export type BackendsAnnotation = Record<string, { release: string; weight: number; instances: string[] }>;

/** "namespace/name" → GatewayRef; null when it is not that. */
export function parseGatewayRef(text: string): GatewayRef | null {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  return m ? { namespace: m[1]!, name: m[3]! } : null;
}

export function httpRouteNameOf(host: string): string {
  return dnsLabel(host.toLowerCase());
}

/** The HTTPRoute for a host; null when no backend names an instance (no Service, no namespace to put it in). */
export function httpRouteManifest(input: HttpRouteInput): Manifest | null {
  const services = new Map<string, BackendService>();
  for (const b of input.backends) {
    const svc = b.instances.map(backendServiceOf).find((s) => s !== null);
    if (svc) services.set(b.release, svc);
  }
  const first = services.values().next().value;
  if (!first) return null;
  // No backendRef filters: on Envoy Gateway a filter takes the backendRef out of its Service's
  // merged cluster, whose stats are the only per-release ones (promql-presets.ts, decision 0050).
  const ref = (release: string, weight: number) => ({ name: services.get(release)!.name, port: SERVICE_PORT, weight });
  const everyPath = { path: { type: 'PathPrefix', value: '/' } };
  // Header matches outrank the weighted rule: among rules matching a request, the one with the
  // most header matches wins (HTTPRouteRule, "Proxy or Load Balancer routing" precedence).
  const pins = Object.entries(input.headerRelease?.values ?? {})
    .filter(([, release]) => services.has(release))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([value, release]) => ({
      matches: [{ ...everyPath, headers: [{ type: 'Exact', name: input.headerRelease!.header, value }] }],
      backendRefs: [ref(release, 1)],
    }));
  const weighted = input.backends.filter((b) => services.has(b.release)).map((b) => ref(b.release, Math.round(b.weight * WEIGHT_SCALE)));
  const backends: BackendsAnnotation = {};
  for (const b of input.backends) {
    const svc = services.get(b.release);
    if (svc) backends[svc.name] = { release: b.release, weight: b.weight, instances: b.instances };
  }
  const host = input.host.toLowerCase();
  return {
    apiVersion: HTTPROUTE_API_VERSION,
    kind: 'HTTPRoute',
    metadata: {
      name: httpRouteNameOf(host),
      namespace: first.namespace,
      labels: { [LABEL.managedBy]: FIELD_MANAGER, [LABEL.project]: first.project, [LABEL.environment]: first.environment },
      annotations: { [HOST_ANNOTATION]: host, [BACKENDS_ANNOTATION]: JSON.stringify(backends) },
    },
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: input.gateway.namespace, name: input.gateway.name }],
      hostnames: [host],
      rules: [...pins, { matches: [everyPath], backendRefs: weighted }],
    },
  };
}
