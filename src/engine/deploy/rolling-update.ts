// The rolling strategy. New instances start in parallel up to `maxSurge` beyond `instances`;
// old ones leave while at least `instances - maxUnavailable` stay ready. Traffic moves to a new
// instance only once it is ready, and an old one leaves the route before it is stopped (the
// runtime drains it). An instance that is draining no longer counts toward the surge, as in
// Kubernetes. Written against the Runtime and Router ports only.
import { errorMessage } from '../../errors.ts';
import type { Router, DesiredBackend } from '../../router/router.ts';
import type { InstanceInfo, Runtime } from '../../runtime/runtime.ts';
import { domainNamesOf, instanceEnv, type ReleaseConfig, type ReleaseService } from './release-config.ts';
import { releaseKey } from './release-retention.ts';
import type { Retiring } from './retiring.ts';
import { hostsOf, type HostNaming } from './hosts.ts';

export interface RolloutTarget {
  project: string;
  environment: string;
  release: number;
  artifactDigest: string;
  config: ReleaseConfig;
  /** Default (no spec, e.g. a restore): surge 1, unavailable 0. */
  pace?: RollingPace;
}

export interface RollingPace {
  maxSurge: number;
  maxUnavailable: number;
}

const DEFAULT_PACE: RollingPace = { maxSurge: 1, maxUnavailable: 0 };

export interface RolloutDeps {
  runtime: Runtime;
  router: Router;
  /** `domains`: the release's custom domains (served with the first service). */
  hostsOf(project: string, environment: string, service: string, first: boolean, domains: readonly string[]): string[];
  log: (line: string) => void;
  secretValues: (config: ReleaseConfig) => Promise<Record<string, string>>;
  /**
   * Where the stops of the old instances go once the traffic is on the new release: the update
   * returns without waiting for their drain. Absent: it waits for them.
   */
  retiring?: Retiring;
}

/** The rolling update's view of a strategy's dependencies (host names from the naming). */
export function rollingDepsOf(d: Pick<RolloutDeps, 'runtime' | 'router' | 'log' | 'secretValues' | 'retiring'> & { naming: HostNaming }): RolloutDeps {
  return { runtime: d.runtime, router: d.router, hostsOf: (p, e, s, f, x) => hostsOf(d.naming, p, e, s, f, x), log: d.log, secretValues: d.secretValues, ...(d.retiring ? { retiring: d.retiring } : {}) };
}

export function instanceId(t: { project: string; environment: string; release: number }, service: string, index: number): string {
  return `${t.project}.${t.environment}.${service}.r${t.release}.${index}`;
}

function backendsOf(release: number, fresh: string[], old: InstanceInfo[]): DesiredBackend[] {
  const total = fresh.length + old.length;
  const byRelease = new Map<string, string[]>();
  for (const i of old) byRelease.set(`r${i.labels.release}`, [...(byRelease.get(`r${i.labels.release}`) ?? []), i.id]);
  const backends: DesiredBackend[] = [];
  if (fresh.length) backends.push({ release: `r${release}`, weight: (100 * fresh.length) / total, instances: [...fresh] });
  for (const [name, ids] of byRelease) backends.push({ release: name, weight: (100 * ids.length) / total, instances: ids });
  return backends;
}

async function route(deps: RolloutDeps, t: RolloutTarget, hosts: string[], backends: DesiredBackend[]): Promise<void> {
  const config = t.config;
  const opts = {
    ...(config.scaleToZeroMs ? { scaleToZeroMs: config.scaleToZeroMs } : {}),
    ...(config.accessLog ? { accessLog: config.accessLog } : {}),
    // Every host of the environment: its users are evaluated against the environment's flags.
    flagScope: { project: t.project, environment: t.environment },
  };
  const domains = new Set(domainNamesOf(config));
  for (const host of hosts) {
    const hsts = config.hsts && domains.has(host) ? config.hsts : undefined;
    await deps.router.setRoute(host, backends, undefined, hsts ? { ...opts, hsts } : opts);
  }
}

/** Returns the stops of the old instances still under way (the traffic is already off them). */
async function rollService(deps: RolloutDeps, t: RolloutTarget, service: ReleaseService, first: boolean, workdir: string, current: InstanceInfo[], values: Record<string, string>): Promise<Array<Promise<void>>> {
  const env = instanceEnv(service, values);
  const hosts = deps.hostsOf(t.project, t.environment, service.name, first, first ? domainNamesOf(t.config) : []);
  const mine = (i: InstanceInfo): boolean => i.labels.service === service.name;
  const { maxSurge, maxUnavailable } = t.pace ?? DEFAULT_PACE;
  const wanted = service.instances;
  const minReady = Math.max(0, wanted - maxUnavailable);
  const maxServing = wanted + maxSurge;
  const fresh: string[] = [];
  let old = current.filter((i) => mine(i) && i.labels.release !== String(t.release)).sort((a, b) => a.id.localeCompare(b.id));
  const starting = new Map<string, Promise<{ id: string; error?: unknown }>>();
  const stops: Array<Promise<void>> = [];
  let next = 1;

  const stopOld = async (): Promise<void> => {
    const victims: InstanceInfo[] = [];
    while (old.length > 0 && old.length - 1 + fresh.length >= minReady) {
      victims.push(old[0]!);
      old = old.slice(1);
    }
    if (victims.length === 0) return;
    // Out of the route first; stopInstance drains while the rollout goes on.
    await route(deps, t, hosts, backendsOf(t.release, fresh, old));
    for (const victim of victims) stops.push(deps.runtime.stopInstance(victim.id));
  };

  try {
    while (fresh.length < wanted) {
      await stopOld();
      while (fresh.length + starting.size < wanted && old.length + fresh.length + starting.size < maxServing) {
        const id = instanceId(t, service.name, next++);
        await deps.runtime.startInstance({
          id,
          workdir,
          command: service.start,
          env: env.plain,
          secretEnv: env.secret,
          health: service.health,
          limits: service.limits,
          labels: { project: t.project, environment: t.environment, service: service.name, release: String(t.release) },
        });
        const ready = deps.runtime.waitReady(id, (service.health?.deadlineMs ?? 60_000) + 5_000).then(
          () => ({ id }),
          (error: unknown) => ({ id, error }),
        );
        starting.set(id, ready);
      }
      // Unreachable with a valid spec (maxSurge and maxUnavailable are not both 0).
      if (starting.size === 0) throw new Error(`${service.name}: cannot replace an instance with maxSurge ${maxSurge} and maxUnavailable ${maxUnavailable}`);
      const done = await Promise.race(starting.values());
      starting.delete(done.id);
      if (done.error !== undefined) throw done.error instanceof Error ? done.error : new Error(errorMessage(done.error));
      fresh.push(done.id);
      await route(deps, t, hosts, backendsOf(t.release, fresh, old));
      deps.log(`${service.name}: instance ${fresh.length}/${wanted} of release ${t.release} is ready and receives traffic`);
    }
    await route(deps, t, hosts, backendsOf(t.release, fresh, []));
    for (const victim of old) stops.push(deps.runtime.stopInstance(victim.id));
    old = [];
  } catch (error) {
    // A caller that restores the previous release must not race the stops still draining.
    await Promise.allSettled(stops);
    throw error;
  }
  return stops;
}

/** Moves an environment to the target release; throws (leaving the caller to restore) when an instance cannot become ready. */
export async function rollingUpdate(deps: RolloutDeps, t: RolloutTarget): Promise<void> {
  // The stops of an earlier update of this environment end first: they may hold the ids this one starts.
  await deps.retiring?.settled(t.project, t.environment);
  const workdir = await deps.runtime.prepare({ key: releaseKey({ project: t.project, environment: t.environment, number: t.release }), artifactDigest: t.artifactDigest });
  const inEnv = (i: InstanceInfo): boolean => i.labels.project === t.project && i.labels.environment === t.environment;
  const current = (await deps.runtime.listInstances()).filter(inEnv);
  const values = await deps.secretValues(t.config);
  const stops: Array<Promise<void>> = [];
  try {
    for (const [i, service] of t.config.services.entries()) {
      stops.push(...(await rollService(deps, t, service, i === 0, workdir, current, values)));
    }
  } catch (error) {
    // A caller that restores the previous release must not race the stops still draining.
    await Promise.allSettled(stops);
    throw error;
  }
  if (deps.retiring) deps.retiring.add(t.project, t.environment, stops, deps.log);
  else await Promise.all(stops);
  // Services the new release no longer has: take them out of traffic, then stop them.
  const names = new Set(t.config.services.map((s) => s.name));
  const gone = current.filter((i) => !names.has(i.labels.service ?? ''));
  for (const service of new Set(gone.map((i) => i.labels.service ?? ''))) {
    for (const host of deps.hostsOf(t.project, t.environment, service, false, [])) await deps.router.removeRoute(host);
  }
  for (const i of gone) await deps.runtime.stopInstance(i.id);
}

/** Stops every instance of a release that never went live (first deploy failed). */
export async function removeRelease(deps: RolloutDeps, t: { project: string; environment: string; release: number }): Promise<void> {
  await deps.retiring?.settled(t.project, t.environment);
  const all = await deps.runtime.listInstances();
  for (const i of all) {
    if (i.labels.project === t.project && i.labels.environment === t.environment && i.labels.release === String(t.release)) await deps.runtime.stopInstance(i.id);
  }
}
