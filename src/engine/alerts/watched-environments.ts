// Which environments have alerts, and the hosts their traffic is counted under: read from the
// store and the live release's configuration (its `alerts`), refreshed every few seconds, the
// configuration parsed only when the live release changes.
import type { Store } from '../../store/store.ts';
import type { AlertSpec } from '../../spec/alert-spec.ts';
import { ALERT_WINDOW_DEFAULT_MS } from '../../spec/limits.ts';
import { hostsOf, type HostNaming } from '../deploy/hosts.ts';
import { domainNamesOf, parseReleaseConfig } from '../deploy/release-config.ts';

export interface WatchedEnvironment {
  /** `project/environment`. */
  key: string;
  project: string;
  environment: string;
  /** The live release whose configuration declared the alerts. */
  release: number;
  alerts: readonly AlertSpec[];
  windowMs: number;
  hosts: readonly string[];
}

export class WatchedEnvironments {
  private readonly byRelease = new Map<string, WatchedEnvironment>();
  private readonly store: Pick<Store, 'listEnvironments' | 'getRelease'>;
  private readonly naming: HostNaming;

  constructor(store: Pick<Store, 'listEnvironments' | 'getRelease'>, naming: HostNaming) {
    this.store = store;
    this.naming = naming;
  }

  /** The environments with a live release that declares alerts (of one project, or all). */
  async list(project?: string): Promise<WatchedEnvironment[]> {
    const out: WatchedEnvironment[] = [];
    const live = new Set<string>();
    for (const env of await this.store.listEnvironments(project)) {
      if (env.currentRelease === null || env.state === 'removed') continue;
      const id = `${env.project}/${env.name}#${env.currentRelease}`;
      live.add(id);
      let watched = this.byRelease.get(id);
      if (!watched) {
        const release = await this.store.getRelease(env.project, env.name, env.currentRelease);
        if (!release) continue;
        const config = parseReleaseConfig(release.configJson, `release ${env.project}/${env.name}#${release.number}`);
        const hosts = config.services.flatMap((s, i) => hostsOf(this.naming, env.project, env.name, s.name, i === 0, domainNamesOf(config)));
        watched = {
          key: `${env.project}/${env.name}`,
          project: env.project,
          environment: env.name,
          release: release.number,
          alerts: config.alerts ?? [],
          windowMs: config.alertWindowMs ?? ALERT_WINDOW_DEFAULT_MS,
          // Blue/green's preview hosts carry the next release's traffic, which the environment serves too.
          hosts: [...hosts, ...hosts.map((h) => `next.${h}`)],
        };
        this.byRelease.set(id, watched);
      }
      if (watched.alerts.length > 0) out.push(watched);
    }
    if (project === undefined) for (const id of this.byRelease.keys()) if (!live.has(id)) this.byRelease.delete(id);
    return out;
  }
}
