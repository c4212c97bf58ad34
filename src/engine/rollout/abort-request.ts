// Asking a rollout to end early: a sentence for people (`abortRequested`) and who asked, as data
// (`abortCause`, in the events' cause syntax). The bake rolls back on an alert's request, and the
// rollout.aborted event takes its cause, from the data alone.
import type { Rollout } from '../../store/records.ts';

/** `alert:NAME` (an alert with action rollback), `token:NAME` (sluice abort), `run` (its run failed), `server` (made way for other work). */
export type AbortCause = `alert:${string}` | `token:${string}` | 'run' | 'server';

export function abortRequest(reason: string, cause: AbortCause): Pick<Rollout, 'abortRequested' | 'abortCause'> {
  return { abortRequested: reason, abortCause: cause };
}

/** True when an alert asked (the bake then rolls back, with the alert as the rollback's cause). */
export function alertAsked(r: Pick<Rollout, 'abortRequested' | 'abortCause'>): r is Rollout & { abortRequested: string; abortCause: `alert:${string}` } {
  return r.abortRequested !== null && r.abortCause?.startsWith('alert:') === true;
}

/**
 * Who or what ended a rollout early (no request: its own checks, `analysis`), and whether the
 * abort judged the change (a failure for DORA) or only made way for other work (a newer run, a
 * rollback or redeploy, a cancelled run, a removed preview).
 */
export function abortCause(r: Pick<Rollout, 'abortRequested' | 'abortCause'>): { cause: string; failure: boolean } {
  if (r.abortRequested === null) return { cause: 'analysis', failure: true };
  const cause = r.abortCause ?? 'server';
  return { cause, failure: cause !== 'server' };
}
