// Every object of one release of an environment, in apply order: what the Kubernetes runtime
// applies and what `sluice render` prints. Pure: the same release gives the same manifests.
import type { HealthSpec } from '../../../spec/spec.ts';
import type { SandboxLimits } from '../../../sandbox/sandbox-limits.ts';
import type { Manifest, OwnerReference } from './object-meta.ts';
import type { ReleaseRole } from './names.ts';
import { namespaceManifest } from './namespace-manifest.ts';
import { secretManifest } from './secret-manifest.ts';
import { deploymentManifest } from './deployment-manifest.ts';
import { serviceManifest } from './service-manifest.ts';

export interface ReleaseServiceInput {
  name: string;
  start: string;
  health: HealthSpec | null;
  env: Record<string, string>;
  secretEnv: Record<string, string>;
  limits?: SandboxLimits | undefined;
  /** Instance ids (their count is the replicas). */
  instances: string[];
}

export interface ReleaseInput {
  project: string;
  environment: string;
  release: number;
  role: ReleaseRole;
  image: string;
  services: ReleaseServiceInput[];
  /** The uid of each service's Deployment once it exists (owner of its Secret); absent: no owner yet. */
  ownerOf?: (service: string) => OwnerReference | null;
}

export function releaseManifests(input: ReleaseInput): Manifest[] {
  const out: Manifest[] = [namespaceManifest(input.project, input.environment)];
  for (const s of input.services) {
    const ref = { project: input.project, environment: input.environment, release: input.release, service: s.name, role: input.role };
    if (Object.keys(s.secretEnv).length > 0) out.push(secretManifest(ref, s.secretEnv, input.ownerOf?.(s.name) ?? null));
    out.push(
      deploymentManifest({ ref, image: input.image, command: s.start, env: s.env, secretKeys: Object.keys(s.secretEnv), health: s.health, limits: s.limits, instances: s.instances }),
      serviceManifest(ref),
    );
  }
  return out;
}
