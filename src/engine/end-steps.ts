// A stage or run that ends leaves no step running: steps still marked running end with the
// stage's outcome and reason, and steps that never started are skipped.
import type { Store } from '../store/store.ts';

export async function endSteps(
  store: Pick<Store, 'listSteps' | 'updateStep'>,
  runId: string,
  outcome: { state: 'failed' | 'cancelled'; reason: string; at: string },
  stageId?: string,
): Promise<void> {
  for (const s of await store.listSteps(runId)) {
    if (stageId !== undefined && s.stageId !== stageId) continue;
    if (s.state === 'running') await store.updateStep(s.id, { state: outcome.state, reason: s.reason ?? outcome.reason, finishedAt: outcome.at, pid: null });
    else if (s.state === 'pending') await store.updateStep(s.id, { state: 'skipped' });
  }
}
