// The entry point of webhook handling: verify the host's signature over the raw body, then
// parse. Nothing is parsed before the signature holds, so a forged request learns nothing.
import { bitbucketDeliveryId, parseBitbucket, verifyBitbucket } from './bitbucket-hook.ts';
import { giteaDeliveryId, parseGitea, verifyGitea } from './gitea-hook.ts';
import { githubDeliveryId, parseGithub, verifyGithub } from './github-hook.ts';
import { gitlabDeliveryId, parseGitlab, verifyGitlab } from './gitlab-hook.ts';
import type { GitHost, HookRequest, VerifiedHook } from './hook-types.ts';

export type { DeliveryDeduper, GitHost, HookEvent, HookRequest, PullRequestAction, VerifiedHook } from './hook-types.ts';
export { GIT_HOSTS, isGitHost } from './hook-types.ts';
export { HookError, HookPayloadError, HookSignatureError, type HookErrorKind } from './hook-errors.ts';
export { constantTimeEqual, newWebhookSecret, signGitea, signGithub, signStandardWebhook, TIMESTAMP_TOLERANCE_SECONDS } from './signatures.ts';

/**
 * Verifies and parses one delivery. Throws HookSignatureError (answer 401, trigger nothing) or
 * HookPayloadError (answer 400); unknown events come back as `{ kind: 'ignored' }` (answer 2xx).
 */
export function verifyAndParse(host: GitHost, req: HookRequest, secret: string, nowMs: number): VerifiedHook {
  switch (host) {
    case 'github':
      verifyGithub(req, secret);
      return { host, deliveryId: githubDeliveryId(req), event: parseGithub(req) };
    case 'gitlab':
      verifyGitlab(req, secret, nowMs);
      return { host, deliveryId: gitlabDeliveryId(req), event: parseGitlab(req) };
    case 'bitbucket':
      verifyBitbucket(req, secret);
      return { host, deliveryId: bitbucketDeliveryId(req), event: parseBitbucket(req) };
    case 'gitea':
      verifyGitea(req, secret);
      return { host, deliveryId: giteaDeliveryId(req), event: parseGitea(req) };
  }
}
