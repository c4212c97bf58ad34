// Which stages a run of a given pipeline file has, in order. Each is a gate: a failure stops
// the run there. Deploy stages appear only when the file declares services.
import type { EnvironmentSpec, Spec } from '../spec/spec.ts';
import { ALERT_WINDOW_DEFAULT_MS } from '../spec/limits.ts';

export const StageKind = {
  checkout: 'checkout',
  build: 'build',
  test: 'test',
  approval: 'approval',
  deploy: 'deploy',
  verify: 'verify',
  switch: 'switch',
} as const;
export type StageKind = (typeof StageKind)[keyof typeof StageKind];

export interface PlannedStage {
  name: string;
  kind: StageKind;
  environment: string | null;
  steps: { name: string }[];
}

/** The preview environment of pull request N: rolling, no verify, the `previews` settings. */
export function previewEnvironment(spec: Spec, number: number): EnvironmentSpec {
  return {
    name: `pr-${number}`,
    // previews.domain: this preview also answers pr-N.DOMAIN, with a certificate of its own.
    domains: spec.previews.domain === null ? [] : [{ name: `pr-${number}.${spec.previews.domain}`, certificate: null }],
    hsts: null,
    accessLog: null,
    secrets: spec.previews.secrets,
    env: spec.previews.env,
    verify: [],
    approval: false,
    approvers: { allow: null, allowSelf: true },
    strategy: { kind: 'rolling', maxSurge: 1, maxUnavailable: 0 },
    bakeMs: 0,
    // Previews are not watched: they sleep by design, and nobody is paged for a pull request.
    alerts: [],
    alertWindowMs: ALERT_WINDOW_DEFAULT_MS,
  };
}

/** The environments a run deploys to, in order: the file's, or a pull request's preview. */
export function environmentsOf(spec: Spec, preview: number | null): readonly EnvironmentSpec[] {
  if (spec.services.length === 0) return [];
  if (preview === null) return spec.environments;
  return spec.previews.pullRequests ? [previewEnvironment(spec, preview)] : [];
}

export function planStages(spec: Spec, preview: number | null = null): PlannedStage[] {
  const stages: PlannedStage[] = [
    { name: 'build', kind: StageKind.build, environment: null, steps: spec.build.map((s) => ({ name: s.name })) },
    { name: 'test', kind: StageKind.test, environment: null, steps: spec.test.map((s) => ({ name: s.name })) },
  ];
  for (const env of environmentsOf(spec, preview)) {
    if (env.approval) stages.push({ name: `approval:${env.name}`, kind: StageKind.approval, environment: env.name, steps: [] });
    stages.push({ name: `deploy:${env.name}`, kind: StageKind.deploy, environment: env.name, steps: [] });
    if (env.verify.length) {
      stages.push({ name: `verify:${env.name}`, kind: StageKind.verify, environment: env.name, steps: env.verify.map((s) => ({ name: s.name })) });
    }
    // Blue/green: verify tests green through its preview URL; only then the switch.
    if (env.strategy.kind === 'blueGreen') stages.push({ name: `switch:${env.name}`, kind: StageKind.switch, environment: env.name, steps: [] });
  }
  return stages;
}
