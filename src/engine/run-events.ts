// The platform events of a run's end: run.succeeded, run.failed, run.waiting (with the
// command that approves it), and preview.ready when a preview run deployed. Built from the
// Run record, so every server (and a recovering one) describes a run alike.
import type { NewPlatformEvent } from '../events/platform-event.ts';
import type { Run } from '../store/records.ts';

/** Who or what started the run, in the event's `cause` vocabulary. */
export function runCause(run: Run): string {
  if (run.triggeredBy) return `token:${run.triggeredBy}`;
  if (run.trigger.startsWith('webhook')) return 'webhook';
  if (run.trigger === 'poll') return 'commit';
  return run.trigger;
}

function base(run: Run): Pick<NewPlatformEvent, 'project' | 'release' | 'run' | 'commit' | 'cause'> {
  return {
    project: run.project,
    release: null,
    run: { id: run.id, number: run.number },
    commit: { sha: run.commitSha, message: run.message, author: run.author, committedAt: null },
    cause: runCause(run),
  };
}

export function runEndedEvent(run: Run, state: 'succeeded' | 'failed', reason: string | null): NewPlatformEvent {
  const environment = run.preview !== null ? `pr-${run.preview}` : null;
  return {
    ...base(run),
    kind: state === 'succeeded' ? 'run.succeeded' : 'run.failed',
    environment,
    summary: state === 'succeeded' ? `run #${run.number} of ${run.branch} succeeded` : `run #${run.number} of ${run.branch} failed${reason ? `: ${reason}` : ''}`,
    facts: { state, branch: run.branch, ref: run.ref, trigger: run.trigger, ...(reason ? { reason } : {}) },
  };
}

export function runWaitingEvent(run: Run, stage: string | null, environment: string | null, reason: string | null): NewPlatformEvent {
  const approveCommand = `sluice approve ${run.id}`;
  return {
    ...base(run),
    kind: 'run.waiting',
    environment,
    summary: `run #${run.number} waits for approval${environment ? ` to deploy to ${environment}` : ''}: ${approveCommand}`,
    facts: { stage, branch: run.branch, approveCommand, rejectCommand: `sluice reject ${run.id}`, ...(reason ? { reason } : {}) },
  };
}

export function previewReadyEvent(run: Run, url: string): NewPlatformEvent {
  const environment = `pr-${run.preview ?? 0}`;
  return {
    ...base(run),
    kind: 'preview.ready',
    environment,
    summary: `preview ${environment} is ready at ${url}`,
    facts: { pullRequest: run.preview, url, branch: run.branch },
  };
}
