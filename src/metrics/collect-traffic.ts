// Scrape-time figures of the data plane: the router's cumulative counters and latency buckets
// per (host, release), and the instances. Hosts become (project, environment, service) through
// the instances their routes send traffic to; a host seen once keeps its labels while it sleeps.
import type { Router } from '../router/router.ts';
import type { ReleaseMetrics } from '../router/route-table.ts';
import type { InstanceInfo, Runtime } from '../runtime/runtime.ts';
import { releaseName, roleOf } from '../engine/rollout/instances.ts';
import type { Labels, Series } from './series.ts';

export interface TrafficSources {
  router: Pick<Router, 'metrics' | 'applied'>;
  runtime: Pick<Runtime, 'listInstances'>;
}

interface Owner {
  project: string;
  environment: string;
  service: string;
}

const statusClasses = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Instance ids are PROJECT.ENV.SERVICE.rN.I (DNS labels, no dots): the owner of an instance the list no longer has. */
function ownerOfId(id: string): Owner | null {
  const [project, environment, service] = id.split('.');
  return project && environment && service ? { project, environment, service } : null;
}

function ownerOf(i: InstanceInfo): Owner | null {
  const { project, environment, service } = i.labels;
  return project && environment && service ? { project, environment, service } : ownerOfId(i.id);
}

export class TrafficCollector {
  /** host → owner, learnt from the applied routes; pruned to the hosts the router still counts. */
  private readonly owners = new Map<string, Owner>();
  private readonly sources: TrafficSources;

  constructor(sources: TrafficSources) {
    this.sources = sources;
  }

  async collect(): Promise<Series[]> {
    const [metrics, table, instances] = await Promise.all([this.sources.router.metrics(), this.sources.router.applied(), this.sources.runtime.listInstances()]);
    const byId = new Map(instances.map((i) => [i.id, i]));
    for (const route of table.routes) {
      const id = route.backends.flatMap((b) => b.targets.map((t) => t.id))[0];
      const instance = id === undefined ? undefined : byId.get(id);
      const owner = instance ? ownerOf(instance) : id === undefined ? null : ownerOfId(id);
      if (owner) this.owners.set(route.host, owner);
    }
    const counted = new Set(metrics.map((m) => m.host));
    for (const host of this.owners.keys()) if (!counted.has(host)) this.owners.delete(host);
    return [...this.routerSeries(metrics), ...instanceSeries(instances)];
  }

  private routerSeries(metrics: readonly ReleaseMetrics[]): Series[] {
    const out: Series[] = [];
    for (const m of metrics) {
      const owner = this.owners.get(m.host);
      if (!owner) continue; // a host no route has sent to an instance yet: nothing to name it by
      const labels: Labels = { ...owner, release: m.release };
      if (m.statusClasses) {
        for (const code of statusClasses) out.push({ metric: 'httpRequests', labels: { ...labels, code }, value: m.statusClasses[code] ?? 0 });
      } else {
        // A data plane from before status classes: only the 5xx count is known.
        out.push({ metric: 'httpRequests', labels: { ...labels, code: '5xx' }, value: m.errors5xx });
      }
      out.push({ metric: 'routerConnectFailures', labels, value: m.connectFailures });
      out.push({ metric: 'httpRequestDuration', labels, bounds: m.latency.bounds.map((ms) => ms / 1000), counts: m.latency.counts, sum: m.latency.sum / 1000 });
    }
    return out;
  }
}

function instanceSeries(instances: readonly InstanceInfo[]): Series[] {
  const out: Series[] = [];
  const environments = new Map<string, { project: string; all: number; sleeping: number }>();
  for (const i of instances) {
    const owner = ownerOf(i);
    if (!owner || i.labels.release === undefined) continue;
    const labels: Labels = { ...owner, release: releaseName(Number(i.labels.release), roleOf(i)) };
    out.push({ metric: 'instancesReady', labels, value: i.state === 'ready' ? 1 : 0 });
    out.push({ metric: 'instancesSleeping', labels, value: i.state === 'sleeping' ? 1 : 0 });
    out.push({ metric: 'instanceRestarts', labels, value: i.restarts });
    const key = `${owner.project}/${owner.environment}`;
    const env = environments.get(key) ?? { project: owner.project, all: 0, sleeping: 0 };
    env.all++;
    if (i.state === 'sleeping') env.sleeping++;
    environments.set(key, env);
  }
  for (const env of environments.values()) out.push({ metric: 'previewsSleeping', labels: { project: env.project }, value: env.all > 0 && env.sleeping === env.all ? 1 : 0 });
  return out;
}
