// GitLab: a signing token in the Standard Webhooks format (webhook-id/-timestamp/-signature) or the
// older X-Gitlab-Token; events Push Hook, Tag Push Hook, Merge Request Hook.
import { HookPayloadError, HookSignatureError } from './hook-errors.ts';
import type { HookEvent, HookRequest, PullRequestAction } from './hook-types.ts';
import { at, changedPaths, differs, eventNotHandled, firstHeader, header, ignored, isZeroSha, parseJsonBody, PayloadReader, pushEvent } from './payload.ts';
import { requireSecret, verifyStandardWebhook, verifyToken } from './signatures.ts';

export function verifyGitlab(req: HookRequest, secret: string, nowMs: number): void {
  requireSecret('gitlab', secret);
  const signature = header(req, 'webhook-signature');
  if (signature !== null) {
    const h = { id: header(req, 'webhook-id'), timestamp: header(req, 'webhook-timestamp'), signature };
    return verifyStandardWebhook('gitlab', h, req.body, secret, nowMs);
  }
  const token = header(req, 'x-gitlab-token');
  if (token === null) throw new HookSignatureError('gitlab', 'missing webhook-signature (signing token) or X-Gitlab-Token');
  verifyToken('gitlab', 'X-Gitlab-Token', token, secret);
}

/** Idempotency-Key is stable across GitLab's retries; older GitLab versions only send the others. */
export function gitlabDeliveryId(req: HookRequest): string | null {
  return firstHeader(req, ['idempotency-key', 'webhook-id', 'x-gitlab-event-uuid'])?.value ?? null;
}

const MR_ACTIONS: Record<string, PullRequestAction> = { open: 'opened', update: 'updated', reopen: 'reopened', close: 'closed', merge: 'merged' };

export function parseGitlab(req: HookRequest): HookEvent {
  const event = header(req, 'x-gitlab-event');
  if (event === null) throw new HookPayloadError('gitlab', 'missing X-Gitlab-Event');
  if (event !== 'Push Hook' && event !== 'Tag Push Hook' && event !== 'Merge Request Hook') return eventNotHandled(event);
  const p = new PayloadReader('gitlab', parseJsonBody('gitlab', req, false));
  if (event !== 'Merge Request Hook') {
    const after = p.sha('after');
    return pushEvent(p.string('ref'), after, isZeroSha(after), changedPaths(at(p.root, 'commits')));
  }
  const action = p.string('object_attributes.action');
  const mapped = MR_ACTIONS[action];
  if (mapped === undefined) return ignored(`merge request action ${JSON.stringify(action)} is not handled`);
  // "update" also fires for title, label or description edits; only oldrev marks new commits.
  if (mapped === 'updated' && p.optionalString('object_attributes.oldrev') === null) return ignored('merge request update without new commits');
  return {
    kind: 'pullRequest',
    action: mapped,
    number: p.positiveInt('object_attributes.iid'),
    headSha: p.sha('object_attributes.last_commit.id'),
    headRef: p.string('object_attributes.source_branch'),
    baseRef: p.string('object_attributes.target_branch'),
    fromFork: differs(at(p.root, 'object_attributes.source_project_id'), at(p.root, 'object_attributes.target_project_id')),
    headRepo: p.optionalString('object_attributes.source.path_with_namespace'),
    baseRepo: p.optionalString('object_attributes.target.path_with_namespace'),
  };
}
