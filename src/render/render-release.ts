// `sluice render`: the Kubernetes objects of a release as the Kubernetes runtime and the Gateway
// API router would apply them — Namespace, Secret, Deployment and Service per service (the
// runtime's builders), and one HTTPRoute per host with the weights of the rollout's current
// step — as multi-document YAML, on any server (the process runtime too: for review or GitOps).
// Secret values are never printed: a Secret carries its keys with empty values.
import { stringify } from 'yaml';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { hostsOf, type HostNaming } from '../engine/deploy/hosts.ts';
import { domainNamesOf, generationOf, instanceEnv, parseReleaseConfig, type ReleaseConfig } from '../engine/deploy/release-config.ts';
import { instanceIdOf, releaseName, type Role } from '../engine/rollout/instances.ts';
import { httpRouteManifest, type GatewayRef } from '../router/gateway/httproute-manifest.ts';
import type { DesiredBackend } from '../router/router.ts';
import { releaseManifests } from '../runtime/kubernetes/manifests/release-manifests.ts';
import type { Manifest } from '../runtime/kubernetes/manifests/object-meta.ts';
import type { Release, Rollout } from '../store/records.ts';

export interface RenderSources {
  releases(project: string, environment: string): Promise<Release[]>;
  /** The latest rollout; null when there is none. */
  rollout(project: string, environment: string): Promise<Rollout | null>;
  naming: HostNaming;
  gateway: GatewayRef;
}

export interface Rendered {
  release: number;
  /** Each release's share (0…100) on the routes: 'r7', 'r7-baseline'. */
  weights: Record<string, number>;
  manifests: Manifest[];
  yaml: string;
}

interface Placed {
  release: Release;
  config: ReleaseConfig;
  role: Role;
  weight: number;
}

const weightsSchema = (json: string): { stable: number; canary: number; baseline: number } | null => {
  try {
    const w = JSON.parse(json) as Record<string, unknown>;
    return typeof w.stable === 'number' && typeof w.canary === 'number' && typeof w.baseline === 'number' ? { stable: w.stable, canary: w.canary, baseline: w.baseline } : null;
  } catch {
    return null;
  }
};

function instancesOf(p: Placed, service: string, count: number): string[] {
  const number = generationOf(p.release, p.config);
  return Array.from({ length: count }, (_, i) => instanceIdOf({ project: p.release.project, environment: p.release.environment, number }, service, i + 1, p.role));
}

/** Who takes traffic when `release` is rendered: the rollout's current step when it rolls this release out, else the release alone. */
function placements(release: Release, all: Release[], rollout: Rollout | null): Placed[] {
  const own = { release, config: parseReleaseConfig(release.configJson, `release ${release.number}`), role: 'primary' as const };
  const active = rollout && rollout.release === release.number && (rollout.state === 'progressing' || rollout.state === 'paused');
  const w = active ? weightsSchema(rollout.weightsJson) : null;
  const stable = active && rollout.stable !== null ? all.find((r) => r.number === rollout.stable) : undefined;
  if (!w || !stable) return [{ ...own, weight: 100 }];
  const stableConfig = parseReleaseConfig(stable.configJson, `release ${stable.number}`);
  return [
    { release: stable, config: stableConfig, role: 'primary', weight: w.stable },
    ...(w.baseline > 0 ? [{ release: stable, config: stableConfig, role: 'baseline' as const, weight: w.baseline }] : []),
    { ...own, weight: w.canary },
  ];
}

function objectsOf(p: Placed): Manifest[] {
  if (!p.release.image) {
    throw new InvalidInputError(`release ${p.release.number} of ${p.release.project}/${p.release.environment} has no image: add an image block to sluice.yaml and start the server with --registry`);
  }
  // Keys only: the values stay in Sluice's secret store.
  const blanks = Object.fromEntries((p.config.secretRefs ?? []).map((r) => [r.key, '']));
  return releaseManifests({
    project: p.release.project,
    environment: p.release.environment,
    release: generationOf(p.release, p.config),
    role: p.role,
    image: p.release.image,
    services: p.config.services.map((s) => {
      const env = instanceEnv(s, blanks);
      return { name: s.name, start: s.start, health: s.health, env: env.plain, secretEnv: Object.fromEntries(Object.keys(env.secret).map((k) => [k, ''])), limits: s.limits, instances: instancesOf(p, s.name, s.instances) };
    }),
  });
}

export async function renderRelease(src: RenderSources, project: string, environment: string, number?: number): Promise<Rendered> {
  const all = await src.releases(project, environment);
  const rollout = await src.rollout(project, environment);
  const release =
    number !== undefined
      ? all.find((r) => r.number === number)
      : (all.find((r) => r.number === rollout?.release && (rollout.state === 'progressing' || rollout.state === 'paused')) ?? all.find((r) => r.state === 'live') ?? all[0]);
  if (!release) throw new NotFoundError('release', number === undefined ? `of ${project}/${environment}` : `r${number} of ${project}/${environment}`);
  const placed = placements(release, all, rollout);
  // The rendered release's objects (and the baseline's, which exist for this rollout only); the stable release's own are its render.
  const manifests = placed.filter((p) => p.release === release || p.role === 'baseline').flatMap(objectsOf);
  const unique = new Map(manifests.map((m) => [`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, m]));
  const config = placed.find((p) => p.release === release)!.config;
  for (const [index, service] of config.services.entries()) {
    const backends: DesiredBackend[] = placed.map((p) => {
      const own = p.config.services.find((s) => s.name === service.name);
      return { release: releaseName(generationOf(p.release, p.config), p.role), weight: p.weight, instances: own ? instancesOf(p, own.name, own.instances) : [] };
    });
    for (const host of hostsOf(src.naming, project, environment, service.name, index === 0, index === 0 ? domainNamesOf(config) : [])) {
      const route = httpRouteManifest({ host, gateway: src.gateway, backends });
      if (route) unique.set(`HTTPRoute/${host}`, route);
    }
  }
  const out = [...unique.values()];
  return {
    release: release.number,
    weights: Object.fromEntries(placed.map((p) => [releaseName(p.release.number, p.role), p.weight])),
    manifests: out,
    yaml: out.map((m) => stringify(m, { lineWidth: 0 })).join('---\n'),
  };
}
