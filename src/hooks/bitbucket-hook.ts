// Bitbucket Cloud: X-Hub-Signature is sha256=<hex> despite its name; events repo:push and
// pullrequest:created|updated|fulfilled|rejected. Bitbucket gives pull request heads as short
// (12 hex) hashes and pushes without file lists.
import { HookPayloadError } from './hook-errors.ts';
import type { HookEvent, HookRequest, PullRequestAction } from './hook-types.ts';
import { at, differs, eventNotHandled, header, ignored, parseJsonBody, PayloadReader, pushEvent, ZERO_SHA } from './payload.ts';
import { requireSecret, verifyPrefixedHex } from './signatures.ts';

export function verifyBitbucket(req: HookRequest, secret: string): void {
  requireSecret('bitbucket', secret);
  verifyPrefixedHex('bitbucket', 'X-Hub-Signature', header(req, 'x-hub-signature'), req.body, secret);
}

export function bitbucketDeliveryId(req: HookRequest): string | null {
  return header(req, 'x-request-uuid');
}

const PR_EVENTS: Record<string, PullRequestAction> = {
  'pullrequest:created': 'opened',
  'pullrequest:updated': 'updated',
  'pullrequest:fulfilled': 'merged',
  'pullrequest:rejected': 'closed',
};

const REF_PREFIX: Record<string, string> = { branch: 'refs/heads/', named_branch: 'refs/heads/', tag: 'refs/tags/', annotated_tag: 'refs/tags/' };

export function parseBitbucket(req: HookRequest): HookEvent {
  const event = header(req, 'x-event-key');
  if (event === null) throw new HookPayloadError('bitbucket', 'missing X-Event-Key');
  const prAction = PR_EVENTS[event];
  if (event !== 'repo:push' && prAction === undefined) return eventNotHandled(event);
  const p = new PayloadReader('bitbucket', parseJsonBody('bitbucket', req, false));
  if (prAction === undefined) return parsePush(p);
  const headRepo = at(p.root, 'pullrequest.source.repository.uuid') ?? at(p.root, 'pullrequest.source.repository.full_name');
  const baseRepo = at(p.root, 'pullrequest.destination.repository.uuid') ?? at(p.root, 'pullrequest.destination.repository.full_name');
  return {
    kind: 'pullRequest',
    action: prAction,
    number: p.positiveInt('pullrequest.id'),
    headSha: p.sha('pullrequest.source.commit.hash', { short: true }),
    headRef: p.string('pullrequest.source.branch.name'),
    baseRef: p.string('pullrequest.destination.branch.name'),
    fromFork: differs(headRepo, baseRepo),
    // Bitbucket Cloud has no pull request ref: a fork's head is fetched from the fork by this name.
    headRepo: p.optionalString('pullrequest.source.repository.full_name'),
    baseRepo: p.optionalString('pullrequest.destination.repository.full_name'),
  };
}

function parsePush(p: PayloadReader): HookEvent {
  const changes = at(p.root, 'push.changes');
  if (!Array.isArray(changes)) p.fail('missing array field "push.changes"');
  if (changes.length === 0) return ignored('push without changes');
  // A HookEvent carries one ref, so a push of several refs at once reports its first one only.
  const deleted = (at(p.root, 'push.changes.0.new') ?? null) === null;
  const side = deleted ? 'push.changes.0.old' : 'push.changes.0.new';
  if ((at(p.root, side) ?? null) === null) return ignored('push change has neither "new" nor "old"');
  const type = p.string(`${side}.type`);
  const prefix = REF_PREFIX[type];
  if (prefix === undefined) return ignored(`push to a ${JSON.stringify(type)} is not handled`);
  const after = deleted ? ZERO_SHA : p.sha(`${side}.target.hash`, { short: true });
  return pushEvent(`${prefix}${p.string(`${side}.name`)}`, after, deleted, []);
}
