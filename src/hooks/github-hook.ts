// GitHub: X-Hub-Signature-256 over the raw body; events push, pull_request, ping.
import { HookPayloadError } from './hook-errors.ts';
import type { HookEvent, HookRequest, PullRequestAction } from './hook-types.ts';
import { changedPaths, differs, eventNotHandled, header, ignored, isZeroSha, parseJsonBody, PayloadReader, pushEvent, at } from './payload.ts';
import { requireSecret, verifyPrefixedHex } from './signatures.ts';

export function verifyGithub(req: HookRequest, secret: string): void {
  requireSecret('github', secret);
  verifyPrefixedHex('github', 'X-Hub-Signature-256', header(req, 'x-hub-signature-256'), req.body, secret);
}

export function githubDeliveryId(req: HookRequest): string | null {
  return header(req, 'x-github-delivery');
}

const PR_ACTIONS: Record<string, PullRequestAction> = { opened: 'opened', synchronize: 'updated', reopened: 'reopened', closed: 'closed' };

export function parseGithub(req: HookRequest): HookEvent {
  const event = header(req, 'x-github-event');
  if (event === null) throw new HookPayloadError('github', 'missing X-GitHub-Event');
  if (event === 'ping') return ignored('ping: the webhook is set up');
  if (event !== 'push' && event !== 'pull_request') return eventNotHandled(event);
  const p = new PayloadReader('github', parseJsonBody('github', req, true));
  if (event === 'push') {
    const after = p.sha('after');
    return pushEvent(p.string('ref'), after, p.bool('deleted') || isZeroSha(after), changedPaths(at(p.root, 'commits')));
  }
  const action = p.string('action');
  const mapped = PR_ACTIONS[action];
  if (mapped === undefined) return ignored(`pull_request action ${JSON.stringify(action)} is not handled`);
  return {
    kind: 'pullRequest',
    action: mapped === 'closed' && p.bool('pull_request.merged') ? 'merged' : mapped,
    number: p.positiveInt('pull_request.number'),
    headSha: p.sha('pull_request.head.sha'),
    headRef: p.string('pull_request.head.ref'),
    baseRef: p.string('pull_request.base.ref'),
    // head.repo is null when the fork was deleted.
    fromFork: differs(at(p.root, 'pull_request.head.repo.full_name'), at(p.root, 'pull_request.base.repo.full_name')),
    headRepo: p.optionalString('pull_request.head.repo.full_name'),
    baseRepo: p.optionalString('pull_request.base.repo.full_name'),
  };
}
