// The Router port on a Kubernetes cluster: one HTTPRoute per host, attached to one Gateway,
// applied server-side (field manager `sluice`). applied() is what the Gateway has taken: the
// routes whose status says Accepted and ResolvedRefs for their current generation, read back
// from the API server — so the engine's setTraffic waits for the controller, as it waits for
// the edge router. The Gateway counts no traffic Sluice can read: metrics come from Prometheus
// (the PromQL provider), and metrics() here answers none.
import { z } from 'zod';
import { FIELD_MANAGER, LABEL } from '../../runtime/kubernetes/manifests/names.ts';
import type { FlagVariantMetrics, ReleaseMetrics, Route, RouteBackend, RouteTable } from '../route-table.ts';
import type { DesiredBackend, HeaderPin, Router, SetRouteOptions } from '../router.ts';
import { trafficFromMetrics, type TrafficAnswer } from '../traffic-answer.ts';
import {
  BACKENDS_ANNOTATION,
  HOST_ANNOTATION,
  HTTPROUTE_API_VERSION,
  httpRouteManifest,
  httpRouteNameOf,
  SERVICE_PORT,
  WEIGHT_SCALE,
  type GatewayRef,
} from './httproute-manifest.ts';
import type { KubeApi } from '../../runtime/kubernetes/kube-api.ts';
import type { Manifest } from '../../runtime/kubernetes/manifests/object-meta.ts';
import { acceptanceOf } from './route-status.ts';

/** An HTTPRoute as read back: its generation and status too. */
type StoredRoute = Manifest & { metadata: { generation?: number }; status?: unknown };

export interface GatewayRouterOptions {
  /** The Kubernetes API (the runtime's client: server-side apply as `sluice`, list, delete). */
  api: Pick<KubeApi, 'apply' | 'list' | 'remove'>;
  gateway: GatewayRef;
  /** A route the Gateway refuses (Accepted or ResolvedRefs False), once per generation. */
  log?: (line: string) => void;
}

const backendsSchema = z.record(z.string(), z.object({ release: z.string(), weight: z.number(), instances: z.array(z.string()) }));
const ruleSchema = z.object({
  matches: z.array(z.object({ headers: z.array(z.object({ name: z.string(), value: z.string() })).optional() })).optional(),
  backendRefs: z.array(z.object({ name: z.string(), weight: z.number().optional() })).optional(),
});
const specSchema = z.object({ rules: z.array(ruleSchema).default([]) });

const managed = `${LABEL.managedBy}=${FIELD_MANAGER}`;

export class GatewayRouter implements Router {
  private readonly api: GatewayRouterOptions['api'];
  private readonly gateway: GatewayRef;
  private readonly log: (line: string) => void;
  /** "namespace/name@generation" of refusals already logged. */
  private readonly told = new Set<string>();

  constructor(opts: GatewayRouterOptions) {
    this.api = opts.api;
    this.gateway = opts.gateway;
    this.log = opts.log ?? (() => {});
  }

  /** Sticky sessions, HSTS, access logs and scale to zero are the Gateway's own business: not carried. */
  async setRoute(host: string, backends: DesiredBackend[], headerRelease?: HeaderPin, _opts?: SetRouteOptions): Promise<void> {
    const manifest = httpRouteManifest({ host, gateway: this.gateway, backends, headerRelease });
    if (manifest) await this.api.apply(manifest);
    else await this.removeRoute(host); // no instance named: nothing to route to
  }

  async removeRoute(host: string): Promise<void> {
    const name = httpRouteNameOf(host);
    for (const r of await this.routes()) {
      if (r.metadata.name === name && r.metadata.namespace) {
        await this.api.remove({ apiVersion: HTTPROUTE_API_VERSION, kind: 'HTTPRoute', namespace: r.metadata.namespace, name });
      }
    }
  }

  async applied(): Promise<RouteTable> {
    const routes: Route[] = [];
    for (const r of await this.routes()) {
      const acceptance = acceptanceOf(r, this.gateway);
      if (acceptance.state === 'refused') this.tell(r, acceptance.why);
      if (acceptance.state !== 'accepted') continue;
      const route = routeOf(r);
      if (route) routes.push(route);
    }
    return { routes };
  }

  metrics(): Promise<ReleaseMetrics[]> {
    return Promise.resolve([]);
  }

  async traffic(): Promise<TrafficAnswer> {
    return trafficFromMetrics(await this.metrics());
  }

  flagMetrics(): Promise<FlagVariantMetrics[]> {
    return Promise.resolve([]);
  }

  private async routes(): Promise<StoredRoute[]> {
    return (await this.api.list(HTTPROUTE_API_VERSION, 'HTTPRoute', managed)).items;
  }

  private tell(r: StoredRoute, why: string): void {
    const key = `${r.metadata.namespace}/${r.metadata.name}@${r.metadata.generation ?? 0}`;
    if (this.told.has(key)) return;
    this.told.add(key);
    this.log(`gateway: ${this.gateway.namespace}/${this.gateway.name} refuses HTTPRoute ${r.metadata.namespace}/${r.metadata.name}: ${why}`);
  }
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** The Router port's view of an accepted HTTPRoute; null for one Sluice did not write. */
function routeOf(r: StoredRoute): Route | null {
  const host = r.metadata.annotations?.[HOST_ANNOTATION];
  const known = backendsSchema.safeParse(parseJson(r.metadata.annotations?.[BACKENDS_ANNOTATION]));
  const spec = specSchema.safeParse(r.spec);
  if (!host || !known.success || !spec.success) return null;
  const target = (svc: string) => (id: string) => ({ id, host: `${svc}.${r.metadata.namespace}.svc`, port: SERVICE_PORT });
  const weighted = spec.data.rules.find((rule) => !(rule.matches ?? []).some((m) => m.headers?.length));
  const backends: RouteBackend[] = (weighted?.backendRefs ?? []).flatMap((ref) => {
    const b = known.data[ref.name];
    if (!b) return [];
    // The share asked for, when the spec carries it (rounded to an integer weight); else what the spec says.
    const weight = Math.round(b.weight * WEIGHT_SCALE) === (ref.weight ?? 1) ? b.weight : (ref.weight ?? 1) / WEIGHT_SCALE;
    return [{ release: b.release, weight, targets: b.instances.map(target(ref.name)) }];
  });
  const route: Route = { host, backends };
  const values: Record<string, string> = {};
  let header: string | undefined;
  for (const rule of spec.data.rules) {
    const match = rule.matches?.[0]?.headers?.[0];
    const release = known.data[rule.backendRefs?.[0]?.name ?? '']?.release;
    if (match && release) {
      header = match.name;
      values[match.value] = release;
    }
  }
  if (header) route.headerRelease = { header, values };
  return route;
}
