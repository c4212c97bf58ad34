// What a release carries besides its artifact: the resolved services and environment
// variables it runs with, so a rollback restores code and configuration together.
import type { EnvironmentSpec, HealthSpec, Spec } from '../../spec/spec.ts';

export interface ReleaseService {
  name: string;
  start: string;
  health: HealthSpec | null;
  instances: number;
  env: Record<string, string>;
}

export interface ReleaseConfig {
  services: ReleaseService[];
}

export function releaseConfigOf(spec: Spec, environment: EnvironmentSpec): ReleaseConfig {
  return {
    services: spec.services.map((s) => ({
      name: s.name,
      start: s.start,
      health: s.health,
      instances: s.instances,
      env: { ...s.env, ...environment.env },
    })),
  };
}

export function parseReleaseConfig(json: string): ReleaseConfig {
  return JSON.parse(json) as ReleaseConfig;
}
