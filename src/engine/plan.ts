// Which stages a run of a given pipeline file has, in order. Each is a gate: a failure stops
// the run there. Deploy stages appear only when the file declares services.
import type { Spec } from '../spec/spec.ts';

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

export function planStages(spec: Spec): PlannedStage[] {
  const stages: PlannedStage[] = [
    { name: 'build', kind: StageKind.build, environment: null, steps: spec.build.map((s) => ({ name: s.name })) },
    { name: 'test', kind: StageKind.test, environment: null, steps: spec.test.map((s) => ({ name: s.name })) },
  ];
  if (spec.services.length === 0) return stages;
  for (const env of spec.environments) {
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
