// `action: rollback`: put the previous release back, at most once per release. During a bake the
// bake itself is asked to roll back (it holds the environment's deploy lease, and bake checks and
// alerts then end in one rollback, whichever breached first); otherwise through the deployer's
// rollback, like `sluice rollback`, with the alert's figures as the reason.
import type { Store } from '../../store/store.ts';
import { abortRequest } from '../rollout/abort-request.ts';

export interface AlertRollbackDeps {
  store: Pick<Store, 'getRelease' | 'latestRollout' | 'updateRollout'>;
  /** Deployer.rollback to the previous release, `why` becoming the replaced release's failure reason. */
  rollback(project: string, environment: string, actor: string, why: string): Promise<unknown>;
  wakeRollout(id: string): void;
}

/** What was done, for the log: a rollback requested from the bake, started, or why none. */
export async function rollBackForAlert(deps: AlertRollbackDeps, project: string, environment: string, release: number, alert: string, reason: string): Promise<{ started: Promise<unknown> | null; note: string }> {
  const live = await deps.store.getRelease(project, environment, release);
  if (!live) return { started: null, note: `release ${release} is gone` };
  // A rollback's own release is already the previous one back: going further back is a person's call.
  if (live.rolledBackFrom !== null) return { started: null, note: `release ${release} is itself a rollback of release ${live.rolledBackFrom}` };
  if (live.state === 'failed') return { started: null, note: `release ${release} has already failed` };
  const why = `alert ${alert}: ${reason}`;
  const rollout = await deps.store.latestRollout(project, environment);
  if (rollout && rollout.release === release && rollout.state === 'progressing' && rollout.phase === 'bake') {
    if (!rollout.abortRequested) await deps.store.updateRollout(rollout.id, abortRequest(why, `alert:${alert}`));
    deps.wakeRollout(rollout.id);
    return { started: null, note: `the bake of release ${release} rolls it back` };
  }
  return { started: deps.rollback(project, environment, `alert:${alert}`, why), note: `rolling release ${release} back` };
}
