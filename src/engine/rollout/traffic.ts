// Sets who serves an environment's hosts, then reads back what the router process itself
// applies (never the store's copy) and returns only when the two agree.
import type { DesiredBackend, HeaderPin, HstsPolicy } from '../../router/router.ts';
import type { RouteTable } from '../../router/route-table.ts';
import { RuntimeError } from '../../errors.ts';
import { hostsOf } from '../deploy/hosts.ts';
import { domainNamesOf, type ReleaseConfig } from '../deploy/release-config.ts';
import { idsOf, releaseName, type ReleaseRef, type Role } from './instances.ts';
import type { RolloutDeps } from './rollout-deps.ts';

export interface WeightedRelease {
  ref: ReleaseRef;
  role: Role;
  weight: number;
}

export function previewHostsOf(deps: RolloutDeps, project: string, environment: string, config: ReleaseConfig): string[] {
  return config.services.flatMap((s, i) => hostsOf(deps.naming, project, environment, s.name, i === 0).map((h) => `next.${h}`));
}

type PlannedRoute = { host: string; backends: DesiredBackend[]; hsts?: HstsPolicy };

function routesFor(deps: RolloutDeps, project: string, environment: string, config: ReleaseConfig, weighted: WeightedRelease[], hostPrefix: string): PlannedRoute[] {
  const out: PlannedRoute[] = [];
  // Custom domains get no `next.` preview host: nobody's DNS or certificate covers it.
  const domains = hostPrefix === '' ? domainNamesOf(config) : [];
  const hsts = config.hsts ?? undefined;
  for (const [index, service] of config.services.entries()) {
    const backends: DesiredBackend[] = [];
    for (const w of weighted) {
      const ids = idsOf(w.ref, w.role).get(service.name) ?? [];
      backends.push({ release: releaseName(w.ref.number, w.role), weight: w.weight, instances: ids });
    }
    for (const host of hostsOf(deps.naming, project, environment, service.name, index === 0, index === 0 ? domains : [])) {
      out.push({ host: `${hostPrefix}${host}`, backends, ...(hsts && domains.includes(host) ? { hsts } : {}) });
    }
  }
  return out;
}

/** True when the router applies these backends: same releases, weights scaled only by ready capacity. */
export function agrees(applied: RouteTable, host: string, backends: DesiredBackend[]): boolean {
  const route = applied.routes.find((r) => r.host === host.toLowerCase());
  if (!route) return false;
  for (const want of backends) {
    const got = route.backends.find((b) => b.release === want.release);
    if (!got) return false;
    const capacity = want.instances.length ? got.targets.length / want.instances.length : 0;
    if (Math.abs(got.weight - want.weight * capacity) > 1e-6) return false;
  }
  return route.backends.length === backends.length;
}

export async function setTraffic(
  deps: RolloutDeps,
  r: { project: string; environment: string; config: ReleaseConfig },
  weighted: WeightedRelease[],
  opts: { pin?: HeaderPin; preview?: boolean; sticky?: boolean } = {},
): Promise<void> {
  const routes = routesFor(deps, r.project, r.environment, r.config, weighted, opts.preview ? 'next.' : '');
  const routeOpts = {
    ...(r.config.scaleToZeroMs ? { scaleToZeroMs: r.config.scaleToZeroMs } : {}),
    ...(opts.sticky ? { sticky: { cookie: 'sluice-release' } } : {}),
    ...(r.config.accessLog ? { accessLog: r.config.accessLog } : {}),
    // Every host of the environment (next.* previews and custom domains too): variant attribution.
    flagScope: { project: r.project, environment: r.environment },
  };
  for (const { host, backends, hsts } of routes) await deps.router.setRoute(host, backends, opts.pin, hsts ? { ...routeOpts, hsts } : routeOpts);
  const deadline = deps.clock.now().getTime() + 5000;
  for (;;) {
    const applied = await deps.router.applied();
    if (routes.every(({ host, backends }) => agrees(applied, host, backends))) return;
    if (deps.clock.now().getTime() > deadline) {
      throw new RuntimeError(`the router did not apply the new weights within 5 s (${routes.map((x) => x.host).join(', ')})`);
    }
    await deps.clock.sleep(50);
  }
}

export async function removePreview(deps: RolloutDeps, project: string, environment: string, config: ReleaseConfig): Promise<void> {
  for (const host of previewHostsOf(deps, project, environment, config)) await deps.router.removeRoute(host);
}
