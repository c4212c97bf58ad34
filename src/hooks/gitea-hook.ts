// Gitea and Forgejo: X-Gitea-Signature / X-Forgejo-Signature (bare hex) or X-Hub-Signature-256;
// events push and pull_request, whose new-commits action is "synchronized" (GitHub says "synchronize").
import { HookPayloadError, HookSignatureError } from './hook-errors.ts';
import type { HookEvent, HookRequest, PullRequestAction } from './hook-types.ts';
import { at, changedPaths, differs, eventNotHandled, firstHeader, header, ignored, isZeroSha, parseJsonBody, PayloadReader, pushEvent } from './payload.ts';
import { requireSecret, verifyBareHex, verifyPrefixedHex } from './signatures.ts';

export function verifyGitea(req: HookRequest, secret: string): void {
  requireSecret('gitea', secret);
  // Gitea sends all of these with the same key; any one of them proves the sender knows the secret.
  const bare = firstHeader(req, ['x-gitea-signature', 'x-forgejo-signature']);
  if (bare !== null) return verifyBareHex('gitea', bare.name === 'x-gitea-signature' ? 'X-Gitea-Signature' : 'X-Forgejo-Signature', bare.value, req.body, secret);
  const hub = header(req, 'x-hub-signature-256');
  if (hub === null) throw new HookSignatureError('gitea', 'missing X-Gitea-Signature (or X-Forgejo-Signature, X-Hub-Signature-256)');
  verifyPrefixedHex('gitea', 'X-Hub-Signature-256', hub, req.body, secret);
}

export function giteaDeliveryId(req: HookRequest): string | null {
  return firstHeader(req, ['x-gitea-delivery', 'x-forgejo-delivery'])?.value ?? null;
}

const PR_ACTIONS: Record<string, PullRequestAction> = { opened: 'opened', synchronized: 'updated', reopened: 'reopened', closed: 'closed' };

export function parseGitea(req: HookRequest): HookEvent {
  const event = firstHeader(req, ['x-gitea-event', 'x-forgejo-event'])?.value ?? null;
  if (event === null) throw new HookPayloadError('gitea', 'missing X-Gitea-Event');
  if (event !== 'push' && event !== 'pull_request') return eventNotHandled(event);
  const p = new PayloadReader('gitea', parseJsonBody('gitea', req, true));
  if (event === 'push') {
    const after = p.sha('after');
    return pushEvent(p.string('ref'), after, isZeroSha(after), changedPaths(at(p.root, 'commits')));
  }
  const action = p.string('action');
  const mapped = PR_ACTIONS[action];
  if (mapped === undefined) return ignored(`pull_request action ${JSON.stringify(action)} is not handled`);
  const headRepo = at(p.root, 'pull_request.head.repo_id') ?? at(p.root, 'pull_request.head.repo.full_name');
  const baseRepo = at(p.root, 'pull_request.base.repo_id') ?? at(p.root, 'pull_request.base.repo.full_name');
  return {
    kind: 'pullRequest',
    action: mapped === 'closed' && p.bool('pull_request.merged') ? 'merged' : mapped,
    number: p.positiveInt('pull_request.number'),
    headSha: p.sha('pull_request.head.sha'),
    headRef: p.string('pull_request.head.ref'),
    baseRef: p.string('pull_request.base.ref'),
    fromFork: differs(headRepo, baseRepo),
    headRepo: p.optionalString('pull_request.head.repo.full_name'),
    baseRepo: p.optionalString('pull_request.base.repo.full_name'),
  };
}
