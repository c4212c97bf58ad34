// Signing and constant-time verification for the four hosts' schemes, with node:crypto only.
// (Well-kept alternatives: @octokit/webhooks-methods for GitHub, standardwebhooks for GitLab.)
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HookSignatureError } from './hook-errors.ts';
import type { GitHost } from './hook-types.ts';

/** Standard Webhooks' default tolerance: 5 minutes either side of now. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/**
 * Compares in time independent of content and length: both sides are hashed to 32 bytes first,
 * so timingSafeEqual always gets equal-length buffers (it throws otherwise) and a length
 * mismatch does not return early.
 */
export function constantTimeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function hmacSha256(key: Buffer | string, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** GitHub's `X-Hub-Signature-256` (also Bitbucket's `X-Hub-Signature`, Gitea's `X-Hub-Signature-256`). */
export function signGithub(body: Buffer, secret: string): string {
  return `sha256=${hmacSha256(secret, body).toString('hex')}`;
}

/** Gitea's and Forgejo's `X-Gitea-Signature`: bare hex. */
export function signGitea(body: Buffer, secret: string): string {
  return hmacSha256(secret, body).toString('hex');
}

/** The HMAC key of a Standard Webhooks secret: base64 after an optional `whsec_` prefix. */
export function standardWebhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** A Standard Webhooks `webhook-signature` value (`v1,<base64>`), as GitLab's signing token sends it. */
export function signStandardWebhook(id: string, timestampSeconds: number, body: Buffer, secret: string): string {
  const signed = Buffer.concat([Buffer.from(`${id}.${timestampSeconds}.`), body]);
  return `v1,${hmacSha256(standardWebhookKey(secret), signed).toString('base64')}`;
}

/** A new project webhook secret, usable as-is by every host (and as a Standard Webhooks key). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function requireSecret(host: GitHost, secret: string): void {
  // An empty key would make every signature forgeable by anyone who guesses it is empty.
  if (secret.length === 0) throw new HookSignatureError(host, 'no webhook secret is configured for this project');
}

/** Checks a `sha256=<hex>` header value against the body. */
export function verifyPrefixedHex(host: GitHost, headerName: string, value: string | null, body: Buffer, secret: string): void {
  if (value === null) throw new HookSignatureError(host, `missing ${headerName}`);
  if (!value.startsWith('sha256=')) throw new HookSignatureError(host, `${headerName} is not of the form sha256=<hex>`);
  if (!constantTimeEqual(value.toLowerCase(), signGithub(body, secret))) throw new HookSignatureError(host, `${headerName} signature does not match`);
}

/** Checks a bare hex HMAC-SHA256 header value against the body. */
export function verifyBareHex(host: GitHost, headerName: string, value: string, body: Buffer, secret: string): void {
  if (!constantTimeEqual(value.toLowerCase(), signGitea(body, secret))) throw new HookSignatureError(host, `${headerName} signature does not match`);
}

export interface StandardWebhookHeaders {
  id: string | null;
  timestamp: string | null;
  signature: string;
}

/** Standard Webhooks: timestamp within tolerance of now, then any `v1,` signature matching. */
export function verifyStandardWebhook(host: GitHost, h: StandardWebhookHeaders, body: Buffer, secret: string, nowMs: number): void {
  if (h.id === null) throw new HookSignatureError(host, 'missing webhook-id');
  if (h.timestamp === null) throw new HookSignatureError(host, 'missing webhook-timestamp');
  if (!/^\d{1,12}$/.test(h.timestamp)) throw new HookSignatureError(host, 'webhook-timestamp is not a number of seconds');
  const timestamp = Number(h.timestamp);
  const nowSeconds = Math.floor(nowMs / 1000);
  // Checked before the signature, as the standard does: a replayed old message is refused whatever it carries.
  if (nowSeconds - timestamp > TIMESTAMP_TOLERANCE_SECONDS) {
    throw new HookSignatureError(host, `webhook-timestamp is stale (${nowSeconds - timestamp}s old, more than ${TIMESTAMP_TOLERANCE_SECONDS}s)`);
  }
  if (timestamp - nowSeconds > TIMESTAMP_TOLERANCE_SECONDS) {
    throw new HookSignatureError(host, `webhook-timestamp is in the future (${timestamp - nowSeconds}s ahead, more than ${TIMESTAMP_TOLERANCE_SECONDS}s)`);
  }
  if (standardWebhookKey(secret).length === 0) throw new HookSignatureError(host, 'the configured secret is not a base64 signing key');
  const expected = signStandardWebhook(h.id, timestamp, body, secret);
  // Several space-separated signatures may be sent (key rotation); other versions (v1a, …) are skipped.
  const candidates = h.signature.split(' ').filter((s) => s.startsWith('v1,'));
  if (candidates.length === 0) throw new HookSignatureError(host, 'webhook-signature has no v1 signature');
  let matched = false;
  for (const candidate of candidates) matched = constantTimeEqual(candidate, expected) || matched;
  if (!matched) throw new HookSignatureError(host, 'webhook-signature does not match');
}

/** A shared-token header (GitLab's older `X-Gitlab-Token`): the secret itself, compared in constant time. */
export function verifyToken(host: GitHost, headerName: string, value: string, secret: string): void {
  if (!constantTimeEqual(value, secret)) throw new HookSignatureError(host, `${headerName} does not match`);
}
