// Sluice's states in the words of the OpenTelemetry CI/CD semantic conventions
// (cicd.pipeline.result, cicd.pipeline.task.type), beside Sluice's own sluice.* attributes.
import type { Attributes } from '@opentelemetry/api';
import type { Stage } from '../../store/records.ts';

/** cicd.pipeline.result / cicd.pipeline.task.run.result for a stored run, stage or step state. */
export function pipelineResultOf(state: string): string {
  switch (state) {
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'failure';
    case 'cancelled':
    case 'interrupted':
      return 'cancellation';
    case 'superseded':
    case 'skipped':
      return 'skip';
    default:
      return 'error';
  }
}

/** cicd.pipeline.task.type has build, test and deploy; a verify stage tests the deployed environment. */
const taskTypes: Record<string, string> = { build: 'build', test: 'test', verify: 'test', deploy: 'deploy', switch: 'deploy' };

export function stageAttributes(stage: Pick<Stage, 'id' | 'name' | 'kind' | 'environment'>): Attributes {
  const type = taskTypes[stage.kind];
  return {
    'cicd.pipeline.task.name': stage.name,
    'cicd.pipeline.task.run.id': stage.id,
    ...(type ? { 'cicd.pipeline.task.type': type } : {}),
    'sluice.stage': stage.name,
    'sluice.stage.kind': stage.kind,
    ...(stage.environment !== null ? { 'sluice.environment': stage.environment } : {}),
  };
}
